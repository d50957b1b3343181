// Money: the balance and the ledger behind it (top-ups, calls, number fees…), newest first,
// paged through `Range: ledger=a-b` and filtered by a date period — all through the API.
import { useEffect, useState } from "react";
import { api, cust } from "../api/client";
import type { components } from "../api/schema";
import { Column, PagedTable, usePaged } from "../components/PagedTable";
import { formatDateTime, t } from "../i18n";
import { toUnix } from "../time";
import { Balance, BalanceLine } from "./Numbers";

type Entry = components["schemas"]["LedgerItem"];

export function ledgerPath(from: string, to: string): string {
  const query = new URLSearchParams();
  if (from) query.set("from", toUnix(from));
  if (to) query.set("to", toUnix(to));
  const text = String(query);
  return cust(`/ledger${text ? `?${text}` : ""}`);
}

const columns = (): Column<Entry>[] => [
  { header: t("date"), cell: (e) => formatDateTime(e.createdAt) },
  {
    header: t("amount"),
    cell: (e) => (
      <span className={e.amount.startsWith("-") ? "amount-neg" : "amount-pos"}>
        {e.amount} {e.currency}
      </span>
    ),
  },
  { header: t("kind"), cell: (e) => e.kind },
  { header: t("description"), cell: (e) => e.description },
  { header: t("reference"), cell: (e) => e.reference ?? "", className: "narrow-hide" },
];

export function Ledger() {
  const [balance, setBalance] = useState<Balance | null>(null);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const { rows, paging, reload } = usePaged<Entry>(ledgerPath(from, to), "ledger", 200);

  useEffect(() => {
    void api<Balance[]>(cust("/balance")).then((b) => setBalance(b[0]));
  }, []);

  return (
    <section className="ledger">
      <h1>{t("money")}</h1>
      {balance && <BalanceLine balance={balance} />}
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t("from")} <input type="datetime-local" name="from" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t("to")} <input type="datetime-local" name="to" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="button" onClick={reload}>{t("reload")}</button>
      </form>
      <h2>{t("ledger")}</h2>
      <PagedTable label={t("ledger")} className="ledger-entries" columns={columns()} rows={rows} rowKey={(e) => e.id} paging={paging} />
    </section>
  );
}
