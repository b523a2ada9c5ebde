/** What the switch says while maintenance is on: the run's own window closes in its next step. */
export const until = (windowCloses?: boolean) =>
  windowCloses
    ? 'Caddy answers 503 until the maintenance-off step that follows'
    : 'maintenance is on, so Caddy answers 503 until `bluegreen maintenance off`';
