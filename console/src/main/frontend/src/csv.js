// CSV for spreadsheets. Topics, client ids and payloads come from devices, and Excel or LibreOffice
// evaluate a cell that starts with = + - @ (or a tab or carriage return before one) as a formula,
// which can run commands or send data away. As OWASP advises for CSV injection, such a cell gets a
// leading single quote; everything else is written as it is.

const FORMULA_START = /^[=+\-@\t\r]/;

/** A value as a quoted CSV cell, neutralized when a spreadsheet would read it as a formula. */
export function csvCell(value) {
  let text = String(value ?? '');
  if (FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replaceAll('"', '""')}"`;
}

/** Rows (objects) as CSV with the given columns, CRLF line ends as RFC 4180 has them. */
export function toCsv(columns, rows) {
  const lines = [columns.join(','), ...rows.map((row) => columns.map((c) => csvCell(row[c])).join(','))];
  return lines.join('\r\n') + '\r\n';
}
