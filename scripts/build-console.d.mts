/** Bundles the web console into dist/console/ (app.js, app.css). */
export function buildConsole(root: string): Promise<void>;
