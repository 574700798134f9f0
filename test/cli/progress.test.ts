// The progress bar of `zpol prove`: drawn in place on a terminal, silent elsewhere.
import { describe, expect, it } from 'vitest';
import { formatDuration, ProgressBar } from '../../cli/progress.ts';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, s: { isTTY, write: (x: string) => written.push(x) } as unknown as NodeJS.WriteStream };
}

describe('ProgressBar', () => {
  it('on a terminal, redraws one line with the count and the time left from the proofs so far', () => {
    const { written, s } = stream(true);
    const bar = new ProgressBar(s, 10);
    bar.update(1, 4, 'proofs', 10);
    bar.update(2, 4, 'proofs', 20);
    expect(written[0]).toBe('\r\x1b[2K[###-------] 1/4 proofs, about 30 s left');
    expect(written[1]).toBe('\r\x1b[2K[#####-----] 2/4 proofs, about 30 s left');
    bar.clear();
    expect(written[2]).toBe('\r\x1b[2K');
    bar.clear();
    expect(written).toHaveLength(3);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const { written, s } = stream(false);
    const bar = new ProgressBar(s);
    bar.update(1, 2, 'proofs', 5);
    bar.clear();
    expect(written).toEqual([]);
  });

  it('formats durations in seconds, then minutes', () => {
    expect(formatDuration(4.2)).toBe('5 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
  });
});
