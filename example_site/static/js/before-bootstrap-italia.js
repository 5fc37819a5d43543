/* Comune di Esempio: load before Bootstrap Italia's bundle. The bundle includes video.js, which
   writes a <style> element into every page as it loads; the site's Content-Security-Policy refuses
   inline styles (and the site shows no videos). video.js reads this flag and leaves the page alone. */
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
