import { initLang } from './i18n.js';
initLang();
document.body.dataset.ready = '1';
