// @vitest-environment jsdom
// The console's one list table: a page of 100,000 rows keeps only a screenful in the DOM, rows are
// reachable and movable with the keyboard, Enter opens one, and the pager asks for Range pages.
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Column, PagedTable, Paging } from "../src/components/PagedTable";

interface Row {
  id: number;
  name: string;
}

const ROW = 30;
const VIEW = 300; // the scrolling area's height in this test: ten rows
const WAIT = { timeout: 20_000 };

beforeAll(() => {
  // jsdom lays nothing out: give the scrolling area and the rows their sizes.
  Object.defineProperty(HTMLElement.prototype, "offsetHeight", {
    configurable: true,
    get() {
      return this.classList?.contains("table-scroll") ? VIEW : ROW;
    },
  });
  Object.defineProperty(HTMLElement.prototype, "clientHeight", {
    configurable: true,
    get() {
      return this.classList?.contains("table-scroll") ? VIEW : ROW;
    },
  });
  HTMLElement.prototype.getBoundingClientRect = function () {
    const height = this.classList?.contains("table-scroll") ? VIEW : ROW;
    return { x: 0, y: 0, top: 0, left: 0, right: 800, bottom: height, width: 800, height, toJSON: () => ({}) };
  };
  Object.defineProperty(HTMLElement.prototype, "scrollHeight", {
    configurable: true,
    get() {
      return this.classList?.contains("table-scroll") ? 1e9 : ROW;
    },
  });
  const offsets = new WeakMap<Element, number>();
  Object.defineProperty(HTMLElement.prototype, "scrollTop", {
    configurable: true,
    get() {
      return offsets.get(this) ?? 0;
    },
    set(value: number) {
      offsets.set(this, value);
    },
  });
  HTMLElement.prototype.scrollTo = function (options?: ScrollToOptions | number) {
    if (typeof options === "object" && options?.top !== undefined) {
      this.scrollTop = options.top;
      this.dispatchEvent(new Event("scroll"));
    }
  };
});
afterEach(cleanup);

const rows = (count: number): Row[] => Array.from({ length: count }, (_, i) => ({ id: i + 1, name: `row ${i + 1}` }));
const columns: Column<Row>[] = [
  { header: "ID", cell: (r) => r.id },
  { header: "Name", cell: (r) => r.name, className: "narrow-hide" },
];

function bodyRows(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>("tbody tr[data-index]"));
}

describe("PagedTable", () => {
  it("draws a screenful of 100,000 rows, not all of them", () => {
    render(<PagedTable label="big" columns={columns} rows={rows(100_000)} rowKey={(r) => r.id} rowHeight={ROW} />);
    const drawn = bodyRows();
    expect(drawn.length).toBeGreaterThan(5);
    expect(drawn.length).toBeLessThan(60);
    expect(drawn[0].textContent).toBe("1row 1");
    expect(screen.getByRole("table", { name: "big" }).getAttribute("aria-rowcount")).toBe("100001");
    // The rows not drawn still take their height, so the scrollbar is the whole list's.
    const spacer = document.querySelector<HTMLElement>("tr.spacer td");
    expect(Number.parseInt(spacer!.style.height, 10)).toBeGreaterThan(ROW * 99_000);
    expect(document.querySelector("td.narrow-hide")).not.toBeNull();
  });

  it("moves between rows with the keyboard, scrolling far rows into the DOM, and opens with Enter", async () => {
    const opened: number[] = [];
    render(
      <PagedTable label="keys" columns={columns} rows={rows(5_000)} rowKey={(r) => r.id} rowHeight={ROW} onOpen={(r) => opened.push(r.id)} />,
    );
    const first = bodyRows()[0];
    expect(first.tabIndex).toBe(0); // the one row in the tab order
    expect(bodyRows()[1].tabIndex).toBe(-1);
    first.focus();
    fireEvent.keyDown(first, { key: "ArrowDown" });
    await waitFor(() => expect(document.activeElement?.getAttribute("data-index")).toBe("1"), WAIT);
    fireEvent.keyDown(document.activeElement!, { key: "End" });
    await waitFor(() => expect(document.activeElement?.getAttribute("data-index")).toBe("4999"), WAIT);
    const last = document.querySelector<HTMLElement>('tr[data-index="4999"]');
    expect(document.querySelector('tr[data-index="0"]')).toBeNull(); // scrolled out of the DOM
    fireEvent.keyDown(last!, { key: "Enter" });
    expect(opened).toEqual([5000]);
    fireEvent.keyDown(last!, { key: "Home" });
    await waitFor(() => expect(document.activeElement?.getAttribute("data-index")).toBe("0"), WAIT);
  });

  it("pages through the API's Range with the pager", () => {
    const asked: number[] = [];
    const paging = (offset: number): Paging => ({ offset, size: 200, total: 100_000, onOffset: (o) => asked.push(o) });
    const { rerender } = render(<PagedTable label="p" columns={columns} rows={rows(200)} rowKey={(r) => r.id} paging={paging(0)} />);
    expect(screen.getByText("1–200 / 100000")).toBeTruthy();
    fireEvent.click(screen.getByText("Вперёд"));
    fireEvent.click(screen.getByLabelText("Последняя страница"));
    expect(asked).toEqual([200, 99_800]);
    rerender(<PagedTable label="p" columns={columns} rows={rows(200)} rowKey={(r) => r.id} paging={paging(99_800)} />);
    expect(screen.getByText("99801–100000 / 100000")).toBeTruthy();
    expect((screen.getByText("Вперёд") as HTMLButtonElement).disabled).toBe(true);
  });

  it("says loading before the first answer and empty for no rows", () => {
    const { rerender } = render(<PagedTable label="e" columns={columns} rows={null} rowKey={(r) => r.id} />);
    expect(screen.getByText("Загрузка…")).toBeTruthy();
    rerender(<PagedTable label="e" columns={columns} rows={[]} rowKey={(r) => r.id} />);
    expect(screen.getByText("Пусто")).toBeTruthy();
  });
});
