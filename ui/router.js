// Client-side routes under /ui/; the server answers the page shell for all of them, so each is a
// stable URL that loads directly (the alerts link to /ui/incidents/<id>).
import { useEffect, useState } from 'preact/hooks';

export function navigate(href) {
  history.pushState(null, '', href);
  window.dispatchEvent(new Event('meshguard-navigate'));
  window.scrollTo(0, 0);
}

/** Follow same-origin /ui/ links without reloading the page (middle-click and modifiers still open tabs). */
export function interceptLinks(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest && event.target.closest('a[href^="/ui/"]');
  if (!link || link.target) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
}

export function useLocation() {
  const [loc, setLoc] = useState(() => ({ path: location.pathname, search: location.search }));
  useEffect(() => {
    const update = () => setLoc({ path: location.pathname, search: location.search });
    window.addEventListener('popstate', update);
    window.addEventListener('meshguard-navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('meshguard-navigate', update);
    };
  }, []);
  return loc;
}
