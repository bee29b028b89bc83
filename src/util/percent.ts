/** A fraction as a percentage with as many decimals as it needs (0.25 -> "25 %", 0.0001 -> "0.01 %"), never a false "0 %". */
export function percent(fraction: number): string {
  const p = fraction * 100;
  if (p === 0 || !Number.isFinite(p)) return `${p} %`;
  const decimals = Math.min(6, Math.max(0, 1 - Math.floor(Math.log10(Math.abs(p)))));
  return `${Number(p.toFixed(decimals))} %`;
}
