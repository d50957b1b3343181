// Numbers and money: search the inventory (mask and filters), reserve, buy, release; balance.
import { useEffect, useState } from "react";
import { api, cust, page } from "../api/client";
import { t } from "../i18n";
import { Pager } from "./Campaigns";

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
interface Balance {
  balance: Money;
  credit_limit: Money;
}
type Filter = Record<string, Record<string, string>>;

export function Numbers() {
  const [balance, setBalance] = useState<Balance | null>(null);
  const [owned, setOwned] = useState<Owned[]>([]);
  const [filters, setFilters] = useState<Filter[]>([]);
  const [mask, setMask] = useState("");
  const [region, setRegion] = useState("");
  const [category, setCategory] = useState("");
  const [offset, setOffset] = useState(0);
  const [found, setFound] = useState<Available[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [message, setMessage] = useState("");
  const size = 20;

  const loadMine = () => {
    void api<Balance[]>(cust("/balance")).then((b) => setBalance(b[0]));
    void api<Owned[]>(cust("/numbers")).then(setOwned);
  };
  useEffect(() => {
    loadMine();
    void api<Filter[]>("/v1/filters").then(setFilters);
  }, []);
  const search = () => {
    const query = new URLSearchParams();
    if (mask) query.set("mask", mask.includes("%") || mask.includes("_") ? mask : `%${mask}%`);
    if (region) query.set("regionCode", region);
    if (category) query.set("category", category);
    void page<Available>(`/v1/numbers?${query}`, "numbers", offset, size).then((p) => {
      setFound(p.items);
      setTotal(p.total);
    });
  };
  useEffect(search, [offset]); // eslint-disable-line react-hooks/exhaustive-deps

  async function act(work: () => Promise<unknown>, done: string) {
    setMessage("");
    try {
      await work();
      setMessage(done);
      loadMine();
      search();
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  }

  const regions = filters.flatMap((f) => (f.regionCode ? [f.regionCode] : []));
  const categories = filters.flatMap((f) => (f.category ? [f.category] : []));
  return (
    <section>
      <h1>{t("numbers")}</h1>
      {balance && (
        <p className="balance" id="balance">
          {t("balance")}: <strong>{balance.balance.value}</strong> {balance.balance.currency} ({t("credit")}{" "}
          {balance.credit_limit.value})
        </p>
      )}
      {message && <p role="status">{message}</p>}
      <h2>{t("myNumbers")}</h2>
      <table>
        <tbody>
          {owned.map((n) => (
            <tr key={n.id}>
              <td>{n.number}</td>
              <td>{n.regionName}</td>
              <td>{n.category}</td>
              <td>
                <button onClick={() => void act(() => api(cust(`/numbers/${n.id}`), "DELETE"), `${n.number} ✓`)}>{t("release")}</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t("search")}</h2>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setOffset(0);
          search();
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
      <table className="numbers-found">
        <tbody>
          {found.map((n) => (
            <tr key={n.number}>
              <td>{n.number}</td>
              <td>{n.regionName}</td>
              <td>{n.category}</td>
              <td>{n.state}</td>
              <td>
                <button onClick={() => void act(() => api("/v1/numbers/reservations", "POST", { number: String(n.number), period: 600 }), `${n.number} reserved`)}>
                  {t("reserve")}
                </button>{" "}
                <button className="buy" onClick={() => void act(() => api(cust("/numbers"), "POST", { orderItemNumber: String(n.number) }), `${n.number} ✓`)}>
                  {t("buy")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager offset={offset} size={size} total={total} count={found.length} onOffset={setOffset} />
    </section>
  );
}
