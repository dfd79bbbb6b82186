// total_tokens_used counts each record's `token_usage.total_tokens` when present, else the sum of
// its numeric values (API.md §3.1). It is computed once at ingest and stored beside the record, so
// summaries add a column instead of walking JSON.
export function tokensTotal(tokenUsage: Record<string, unknown> | null | undefined): number {
  if (!tokenUsage) return 0;
  const total = tokenUsage.total_tokens;
  if (typeof total === 'number' && Number.isFinite(total)) return total;
  let sum = 0;
  for (const value of Object.values(tokenUsage)) {
    if (typeof value === 'number' && Number.isFinite(value)) sum += value;
  }
  return sum;
}
