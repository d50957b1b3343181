// What the dashboard reads from the campaign's CSV report: money spent and the answers given at
// each question (IVR / Input state).

/** RFC 4180 rows (quoted fields, doubled quotes, commas and newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const input = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < input.length; i += 1) {
    const c = input[i];
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && input[i + 1] === "\n") i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface ReportSummary {
  spent: number;
  answers: Record<string, Record<string, number>>; // question → answer → count
}

export function summarise(text: string): ReportSummary {
  const [header = [], ...rows] = parseCsv(text);
  const cost = header.indexOf("cost");
  const questions = header.map((h, i) => [h, i] as const).filter(([h]) => h.startsWith("answer: "));
  const summary: ReportSummary = { spent: 0, answers: {} };
  for (const [name] of questions) summary.answers[name.slice(8)] = {};
  for (const row of rows) {
    if (cost >= 0 && row[cost]) summary.spent += Number(row[cost]) || 0;
    for (const [name, index] of questions) {
      const answer = row[index];
      if (!answer) continue;
      const counts = summary.answers[name.slice(8)];
      counts[answer] = (counts[answer] ?? 0) + 1;
    }
  }
  return summary;
}
