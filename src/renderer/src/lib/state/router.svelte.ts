/** The current route, from and to `location.hash` (see routes.ts for the URL scheme). */
import { parseRoute, routeHash, type Route } from '../routes';

export type { Route, RunTab } from '../routes';

export class Router {
  route = $state.raw<Route>(parseRoute(window.location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseRoute(window.location.hash);
    });
  }

  go(route: Route): void {
    const hash = routeHash(route);
    if (window.location.hash === hash) this.route = parseRoute(hash);
    else window.location.hash = hash;
  }

  /** Changes the URL without a new history entry (e.g. the compare selection). */
  replace(route: Route): void {
    const hash = routeHash(route);
    history.replaceState(history.state, '', hash);
    this.route = parseRoute(hash);
  }
}
