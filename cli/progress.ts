/**
 * Progress of a long proving job: on a terminal, one bar redrawn in place on stderr (done/total, the last proof's
 * time, an estimate of what is left); elsewhere (CI logs, pipes, tests) nothing, since the caller's per-proof
 * lines already say it all.
 */
export class ProgressBar {
  private drawn = false;
  private readonly seconds: number[] = [];

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly width = 28,
  ) {}

  get active(): boolean {
    return this.stream.isTTY === true;
  }

  /** Records one proof's time (when it was proven, not kept) and redraws. */
  update(done: number, total: number, label: string, seconds?: number): void {
    if (seconds !== undefined) this.seconds.push(seconds);
    if (!this.active) return;
    const filled = total > 0 ? Math.round((this.width * Math.min(done, total)) / total) : 0;
    const mean = this.seconds.length > 0 ? this.seconds.reduce((a, b) => a + b, 0) / this.seconds.length : undefined;
    const left = mean !== undefined && total > done ? `, about ${formatDuration(mean * (total - done))} left` : '';
    this.stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(this.width - filled)}] ${done}/${total} ${label}${left}`);
    this.drawn = true;
  }

  /** Clears the bar so that a line can be printed, or at the end. */
  clear(): void {
    if (this.drawn && this.active) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}
