/**
 * "Did you mean" suggestions for a name that is not known: the known names closest to it by optimal string
 * alignment distance (Levenshtein's insertions, deletions and substitutions, plus swapping two adjacent
 * characters, Damerau's common typo), compared without case so that `flop` finds `FLOP`. A name is suggested
 * when it is at most 2 edits away and fewer edits than the unknown name has characters (one-letter names would
 * otherwise match every other short name). Used by the checker's diagnostics and the CLI's usage errors.
 */

/** The optimal string alignment distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]!.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]!.push(d);
    }
  }
  return rows[a.length]![b.length]!;
}

const MAX_DISTANCE = 2;
const MAX_SUGGESTIONS = 3;

/** The candidates closest to `name` (all at the smallest distance, alphabetical, at most 3), or none. */
export function closestNames(name: string, candidates: Iterable<string>): string[] {
  const wanted = name.toLowerCase();
  let best = Math.min(MAX_DISTANCE, wanted.length - 1);
  let found: string[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate === name) continue;
    const d = editDistance(wanted, candidate.toLowerCase());
    if (d < best) {
      best = d;
      found = [candidate];
    } else if (d === best) found.push(candidate);
  }
  return found.sort().slice(0, MAX_SUGGESTIONS);
}

/** `; did you mean 'total'?` (or `'a' or 'b'`) to end a message with, or '' when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const names = closestNames(name, candidates).map((n) => `'${n}'`);
  if (names.length === 0) return '';
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return `; did you mean ${list}?`;
}
