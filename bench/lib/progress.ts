/**
 * The progress line: what runs now and for how long. On a terminal it is one line
 * rewritten in place (and cleared before anything else is printed); in CI logs each new
 * step is printed once, so the log stays readable.
 */
const tty = process.stderr.isTTY === true;

let label = '';
let step = '';
let detail = '';
let stepStarted = 0;
let shown = '';
let ticker: NodeJS.Timeout | undefined;

function render(): string {
  const seconds = ((performance.now() - stepStarted) / 1000).toFixed(1);
  return `${label} · ${step}${detail ? `: ${detail}` : ''} · ${seconds} s`;
}

function redraw(): void {
  if (!tty || !step) return;
  const line = render().slice(0, (process.stderr.columns ?? 120) - 1);
  process.stderr.write(`\r\x1b[2K${line}`);
  shown = line;
}

function clear(): void {
  if (tty && shown) process.stderr.write('\r\x1b[2K');
  shown = '';
}

export const progress = {
  /** Names the benchmark now running, e.g. "[2/5] end-to-end latency". */
  bench(name: string): void {
    label = name;
  },
  /** Names the step within it; `detail` (e.g. "1200/3000") may change while the step runs. */
  step(text: string, now = ''): void {
    const changed = text !== step;
    if (changed) stepStarted = performance.now();
    step = text;
    detail = now;
    if (tty) {
      ticker ??= setInterval(redraw, 250).unref();
      redraw();
    } else if (changed) {
      process.stderr.write(`${label} · ${text}\n`);
    }
  },
  /** Prints a block of output (a table) without tearing the progress line. */
  print(text: string): void {
    clear();
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    redraw();
  },
  done(): void {
    clear();
    step = '';
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  },
};
