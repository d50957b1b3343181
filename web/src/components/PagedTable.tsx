// The one table of the console's lists (campaigns, scenarios, call history, numbers, ledger):
// pages come through the API's Range, and only the rows in view are in the DOM (virtualised),
// so a page of a thousand rows out of 100,000 scrolls as lightly as a page of ten.
// Rows are keyboard reachable: one row is in the tab order, arrows / Page keys / Home / End move
// between rows (scrolling them into view), Enter opens the row when the list has an `onOpen`.
import { useVirtualizer } from "@tanstack/react-virtual";
import { KeyboardEvent, ReactNode, useEffect, useRef, useState } from "react";
import { page } from "../api/client";
import { t } from "../i18n";

export interface Column<T> {
  /** The header cell (text or element). */
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** Extra class of the column's cells (layout rules such as hiding a column on a phone). */
  className?: string;
}

export interface Paging {
  offset: number;
  size: number;
  total: number | null;
  onOffset: (offset: number) => void;
}

interface Props<T> {
  label: string;
  columns: Column<T>[];
  rows: T[] | null;
  rowKey: (row: T) => string | number;
  /** The page through the API's Range (omit for a list the API returns whole). */
  paging?: Paging;
  className?: string;
  /** The row drawn as current (an open call). */
  current?: string | number | null;
  onOpen?: (row: T) => void;
  /** A row's height in pixels (an estimate: rows are measured once drawn). */
  rowHeight?: number;
  /** The scrolling area's height (CSS); the rows beyond it are not drawn. */
  height?: string;
}

const OVERSCAN = 8;

export function PagedTable<T>(props: Props<T>) {
  const { label, columns, rows, rowKey, paging, className, current, onOpen } = props;
  const rowHeight = props.rowHeight ?? 37;
  const scroller = useRef<HTMLDivElement | null>(null);
  const items = rows ?? [];
  const [active, setActive] = useState(0);
  const focusWanted = useRef(false);
  // The virtualizer is read afresh on every render (no React Compiler memoises this component).
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: OVERSCAN,
    // Before the first layout (and in a DOM without layout) a screenful is drawn.
    initialRect: { width: 0, height: 20 * rowHeight },
    useFlushSync: false,
  });

  // A new page starts at its top.
  const first = rows?.length ? rowKey(rows[0]) : null;
  useEffect(() => {
    setActive(0);
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [first, paging?.offset]);

  // The row the keyboard moved to gets focus once it is drawn.
  useEffect(() => {
    if (!focusWanted.current) return;
    const row = scroller.current?.querySelector<HTMLElement>(`tr[data-index="${active}"]`);
    if (row) {
      focusWanted.current = false;
      row.focus();
    }
  });

  function onKeyDown(event: KeyboardEvent<HTMLTableRowElement>, index: number) {
    if (event.target !== event.currentTarget) return; // a button or link inside the row
    const perScreen = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 0) / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + perScreen,
      PageUp: index - perScreen,
      Home: 0,
      End: items.length - 1,
    };
    if (event.key === "Enter" && onOpen) {
      event.preventDefault();
      onOpen(items[index]);
      return;
    }
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = Math.min(items.length - 1, Math.max(0, moves[event.key]));
    setActive(next);
    focusWanted.current = true;
    virtualizer.scrollToIndex(next, { align: "auto" });
  }

  const drawn = virtualizer.getVirtualItems();
  const before = drawn.length ? drawn[0].start : 0;
  const after = drawn.length ? virtualizer.getTotalSize() - drawn[drawn.length - 1].end : 0;
  const span = columns.length;
  return (
    <div className="paged-table">
      {rows === null ? (
        <p>{t("loading")}</p>
      ) : (
        <div className="table-scroll" ref={scroller} style={{ maxHeight: props.height ?? "70vh" }}>
          <table className={className} aria-label={label} aria-rowcount={(paging?.total ?? items.length) + 1}>
            <thead>
              <tr aria-rowindex={1}>
                {columns.map((c, i) => (
                  <th key={i} className={c.className} scope="col">
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {before > 0 && (
                <tr className="spacer" aria-hidden="true">
                  <td colSpan={span} style={{ height: before }} />
                </tr>
              )}
              {drawn.map((v) => {
                const row = items[v.index];
                const key = rowKey(row);
                const classes = [current === key ? "current" : "", onOpen ? "openable" : ""].join(" ").trim();
                return (
                  <tr
                    key={key}
                    data-index={v.index}
                    ref={virtualizer.measureElement}
                    tabIndex={v.index === active ? 0 : -1}
                    aria-rowindex={(paging?.offset ?? 0) + v.index + 2}
                    className={classes || undefined}
                    onFocus={(e) => e.target === e.currentTarget && setActive(v.index)}
                    onKeyDown={(e) => onKeyDown(e, v.index)}
                  >
                    {columns.map((c, i) => (
                      <td key={i} className={c.className}>
                        {c.cell(row)}
                      </td>
                    ))}
                  </tr>
                );
              })}
              {after > 0 && (
                <tr className="spacer" aria-hidden="true">
                  <td colSpan={span} style={{ height: after }} />
                </tr>
              )}
              {items.length === 0 && (
                <tr>
                  <td colSpan={span} className="empty">{t("empty")}</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      {paging && <Pager {...paging} count={items.length} />}
    </div>
  );
}

export function Pager(props: Paging & { count: number }) {
  const { offset, size, total, count, onOffset } = props;
  return (
    <nav className="pager" aria-label="pages">
      <button disabled={offset === 0} onClick={() => onOffset(0)} aria-label={t("first")}>⇤</button>
      <button disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - size))}>{t("prev")}</button>
      <span>
        {count ? `${offset + 1}–${offset + count}` : "0"} / {total ?? "…"}
      </span>
      <button disabled={count < size || (total !== null && offset + size >= total)} onClick={() => onOffset(offset + size)}>
        {t("next")}
      </button>
      {/* A list of 100,000 rows is one Range request away from its end (the API counts it). */}
      <button
        disabled={total === null || offset + size >= total}
        onClick={() => total !== null && onOffset(Math.max(0, Math.floor((total - 1) / size) * size))}
        aria-label={t("last")}
      >
        ⇥
      </button>
    </nav>
  );
}

/**
 * A list read page by page through `Range: unit=a-b`: the rows of the current page, the paging
 * the table's pager drives, and `reload`. A new `path` (another filter) starts at the first page;
 * an answer to an older path or page never overwrites a newer one.
 */
export function usePaged<T>(path: string, unit: string, size: number) {
  const [at, setAt] = useState({ path, offset: 0 });
  const [answer, setAnswer] = useState<{ items: T[] | null; total: number | null }>({ items: null, total: null });
  const [tick, setTick] = useState(0);
  const offset = at.path === path ? at.offset : 0;
  useEffect(() => {
    let live = true;
    void page<T>(path, unit, offset, size).then((p) => {
      if (live) setAnswer(p);
    });
    return () => {
      live = false;
    };
  }, [path, unit, offset, size, tick]);
  const paging: Paging = { offset, size, total: answer.total, onOffset: (next) => setAt({ path, offset: next }) };
  return { rows: answer.items, paging, reload: () => setTick((n) => n + 1) };
}
