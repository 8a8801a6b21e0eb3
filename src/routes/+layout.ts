// A static single-page app: every route is prerendered as an empty shell and rendered in the
// browser, where the locale, the network and the call live.
export const prerender = true;
export const ssr = false;
export const trailingSlash = 'never';
