/**
 * Hash routes: the route lives in `location.hash`, so it survives reloads, works from a file://
 * page (Electron) and from `mot serve`, and the back button works.
 *
 *   #/runs                      the run table
 *   #/new?clone=ID&preset=NAME  the experiment designer
 *   #/compare?runs=A,B          compare runs
 *   #/run/ID/monitor            a run (tabs: monitor, inspect)
 *   #/studies                   the studies, and a form for a new one
 *   #/study/ID                  a study: its runs, progress and report
 *   #/settings                  app settings: runs at once, the torch engine's Python
 */
export type RunTab = 'monitor' | 'inspect';

export type Route =
  | { name: 'runs' }
  | { name: 'new'; clone?: string; preset?: string }
  | { name: 'compare'; runs: string[] }
  | { name: 'run'; runId: string; tab: RunTab }
  | { name: 'studies' }
  | { name: 'study'; studyId: string }
  | { name: 'settings' };

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'new':
      return {
        name: 'new',
        clone: params.get('clone') ?? undefined,
        preset: params.get('preset') ?? undefined,
      };
    case 'compare':
      return {
        name: 'compare',
        runs: (params.get('runs') ?? '').split(',').filter(Boolean),
      };
    case 'run':
      if (parts[1]) {
        return {
          name: 'run',
          runId: parts[1],
          tab: parts[2] === 'inspect' ? 'inspect' : 'monitor',
        };
      }
      return { name: 'runs' };
    case 'studies':
      return { name: 'studies' };
    case 'study':
      return parts[1] ? { name: 'study', studyId: parts[1] } : { name: 'studies' };
    case 'settings':
      return { name: 'settings' };
    default:
      return { name: 'runs' };
  }
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case 'runs':
      return '#/runs';
    case 'new': {
      const params = new URLSearchParams();
      if (route.clone) params.set('clone', route.clone);
      if (route.preset) params.set('preset', route.preset);
      const query = params.toString();
      return query ? `#/new?${query}` : '#/new';
    }
    case 'compare':
      return route.runs.length ? `#/compare?runs=${route.runs.join(',')}` : '#/compare';
    case 'run':
      return `#/run/${encodeURIComponent(route.runId)}/${route.tab}`;
    case 'studies':
      return '#/studies';
    case 'study':
      return `#/study/${encodeURIComponent(route.studyId)}`;
    case 'settings':
      return '#/settings';
  }
}
