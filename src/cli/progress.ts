// A progress line for long CLI work (demo data, export, key rotation): count, rate and ETA,
// redrawn at most ten times a second on stderr, so stdout stays clean for data.
export class Progress {
  private done = 0;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number | null,
    private readonly unit = 'rows',
    private readonly err: NodeJS.WritableStream = process.stderr,
    private readonly interactive = process.stderr.isTTY === true,
  ) {}

  add(count: number): void {
    this.done += count;
    const now = Date.now();
    if (now - this.lastDraw >= (this.interactive ? 100 : 2000)) {
      this.lastDraw = now;
      this.draw(false);
    }
  }

  finish(): void {
    this.draw(true);
  }

  private draw(final: boolean): void {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const rate = this.done / seconds;
    const count = this.done.toLocaleString('en-US');
    let line: string;
    if (this.total !== null && this.total > 0) {
      const ratio = Math.min(this.done / this.total, 1);
      const width = 24;
      const filled = Math.round(ratio * width);
      const eta = rate > 0 ? Math.max(0, (this.total - this.done) / rate) : 0;
      line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${count}/${this.total.toLocaleString('en-US')} ${this.unit} · ${Math.round(rate).toLocaleString('en-US')}/s · ${final ? `done in ${seconds.toFixed(1)}s` : `ETA ${eta.toFixed(0)}s`}`;
    } else {
      line = `${this.label} ${count} ${this.unit} · ${Math.round(rate).toLocaleString('en-US')}/s${final ? ` · done in ${seconds.toFixed(1)}s` : ''}`;
    }
    if (this.interactive) this.err.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else this.err.write(`${line}\n`);
  }
}
