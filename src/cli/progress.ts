// A progress bar on stderr: redrawn in place on a terminal, a line per tenth elsewhere (logs).
export class ProgressBar {
  readonly #total: number;
  readonly #label: string;
  readonly #stream: NodeJS.WriteStream;
  #done = 0;
  #lastTenth = -1;

  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = Math.max(total, 0);
    this.#stream = stream;
    this.#draw();
  }

  advance(by: number): void {
    this.#done = Math.min(this.#total, this.#done + by);
    this.#draw();
  }

  finish(): void {
    this.#done = this.#total;
    this.#draw();
    if (this.#stream.isTTY) this.#stream.write('\n');
  }

  #draw(): void {
    const fraction = this.#total === 0 ? 1 : this.#done / this.#total;
    const width = 30;
    const filled = Math.round(fraction * width);
    const line = `${this.#label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% ${this.#done}/${this.#total}`;
    if (this.#stream.isTTY) {
      this.#stream.write(`\r${line}`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth !== this.#lastTenth) {
      this.#lastTenth = tenth;
      this.#stream.write(`${line}\n`);
    }
  }
}
