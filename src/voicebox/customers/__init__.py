"""Customers (tenants) and their balance."""
