// Numbers and money: search the inventory (mask and filters), reserve, buy, release; balance.
import { useEffect, useState } from "react";
import { api, cust } from "../api/client";
import { PagedTable, usePaged } from "../components/PagedTable";
import { t } from "../i18n";

interface Available {
  number: number;
  state: string;
  type: string;
  owner: string;
  regionName: string;
  regionCode: string;
  category: string;
}
interface Owned {
  id: number;
  number: number;
  regionName: string;
  category: string;
}
interface Money {
  value: string;
  currency: string;
}
export interface Balance {
  balance: Money;
  credit_limit: Money;
}
type Filter = Record<string, Record<string, string>>;

export function Numbers() {
  const [balance, setBalance] = useState<Balance | null>(null);
  const [owned, setOwned] = useState<Owned[] | null>(null);
  const [filters, setFilters] = useState<Filter[]>([]);
  const [mask, setMask] = useState("");
  const [region, setRegion] = useState("");
  const [category, setCategory] = useState("");
  const [query, setQuery] = useState(""); // the search last submitted
  const [message, setMessage] = useState("");
  const found = usePaged<Available>(`/v1/numbers?${query}`, "numbers", 100);

  const loadMine = () => {
    void api<Balance[]>(cust("/balance")).then((b) => setBalance(b[0]));
    void api<Owned[]>(cust("/numbers")).then(setOwned);
  };
  useEffect(() => {
    loadMine();
    void api<Filter[]>("/v1/filters").then(setFilters);
  }, []);

  async function act(work: () => Promise<unknown>, done: string) {
    setMessage("");
    try {
      await work();
      setMessage(done);
      loadMine();
      found.reload();
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  }

  const regions = filters.flatMap((f) => (f.regionCode ? [f.regionCode] : []));
  const categories = filters.flatMap((f) => (f.category ? [f.category] : []));
  return (
    <section>
      <h1>{t("numbers")}</h1>
      {balance && <BalanceLine balance={balance} />}
      {message && <p role="status">{message}</p>}
      <h2>{t("myNumbers")}</h2>
      <PagedTable
        label={t("myNumbers")}
        className="numbers-owned"
        height="40vh"
        columns={[
          { header: t("number"), cell: (n) => n.number },
          { header: t("region"), cell: (n) => n.regionName },
          { header: t("category"), cell: (n) => n.category },
          {
            header: "",
            cell: (n) => (
              <button aria-label={`${t("release")} ${n.number}`} onClick={() => void act(() => api(cust(`/numbers/${n.id}`), "DELETE"), `${n.number} ✓`)}>{t("release")}</button>
            ),
          },
        ]}
        rows={owned}
        rowKey={(n) => n.id}
      />
      <h2>{t("search")}</h2>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const next = new URLSearchParams();
          if (mask) next.set("mask", mask.includes("%") || mask.includes("_") ? mask : `%${mask}%`);
          if (region) next.set("regionCode", region);
          if (category) next.set("category", category);
          if (String(next) === query) found.reload();
          else setQuery(String(next));
        }}
      >
        <label>
          {t("mask")} <input value={mask} onChange={(e) => setMask(e.target.value)} placeholder="7495%" />
        </label>
        <label>
          {t("region")}{" "}
          <select value={region} onChange={(e) => setRegion(e.target.value)}>
            <option value="">{t("all")}</option>
            {regions.map((r) => (
              <option key={r.region_code} value={r.region_code}>{r.region_name}</option>
            ))}
          </select>
        </label>
        <label>
          {t("category")}{" "}
          <select value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">{t("all")}</option>
            {categories.map((c) => (
              <option key={c.category_id} value={c.category}>{c.category_name} ({c.monthly_fee})</option>
            ))}
          </select>
        </label>
        <button type="submit">{t("search")}</button>
      </form>
      <PagedTable
        label={t("search")}
        className="numbers-found"
        columns={[
          { header: t("number"), cell: (n) => n.number },
          { header: t("region"), cell: (n) => n.regionName },
          { header: t("category"), cell: (n) => n.category },
          { header: t("state"), cell: (n) => t(n.state) },
          {
            header: "",
            cell: (n) => (
              <>
                <button aria-label={`${t("reserve")} ${n.number}`} onClick={() => void act(() => api("/v1/numbers/reservations", "POST", { number: String(n.number), period: 600 }), `${n.number} ${t("reserved")}`)}>
                  {t("reserve")}
                </button>{" "}
                <button className="buy" aria-label={`${t("buy")} ${n.number}`} onClick={() => void act(() => api(cust("/numbers"), "POST", { orderItemNumber: String(n.number) }), `${n.number} ✓`)}>
                  {t("buy")}
                </button>
              </>
            ),
          },
        ]}
        rows={found.rows}
        rowKey={(n) => n.number}
        paging={found.paging}
      />
    </section>
  );
}

export function BalanceLine({ balance }: { balance: Balance }) {
  return (
    <p className="balance" id="balance">
      {t("balance")}: <strong>{balance.balance.value}</strong> {balance.balance.currency} ({t("credit")}{" "}
      {balance.credit_limit.value})
    </p>
  );
}
