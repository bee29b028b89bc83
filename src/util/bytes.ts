const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/**
 * A size in the unit that fits it (`13.2 KiB`, `352 MiB`, `2.3 GiB`): one
 * decimal under 10 of a unit, whole numbers above, so that a small file is
 * never shown as `0 MiB`.
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || Math.abs(value) >= 10 ? String(Math.round(value)) : value.toFixed(1);
  return `${shown} ${UNITS[unit]}`;
}
