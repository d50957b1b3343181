/** A `datetime-local` input's value → unix seconds (the API's period parameters), "" when empty. */
export function toUnix(value: string): string {
  return value ? String(Math.floor(new Date(value).getTime() / 1000)) : "";
}
