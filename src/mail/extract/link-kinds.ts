// What a link does, read from words: its anchor text, the text around it, its URL. Phrases in
// English, Arabic, Chinese, Spanish, German, French and Russian; matched on lower-cased text.
import type { LinkKind } from './types.ts';

type ActionKind = Exclude<LinkKind, 'other'>;

const verifyWords =
  /verif|confirm|activat|activer|activar|validat|valider|vérifi|bestätig|aktivier|verifizier|freischalten|подтверд|подтвержд|активир|验证|驗證|确认|確認|激活|啟用|تأكيد|تفعيل|تحقق|توثيق/;

// Order matters: a "reset password" link also "confirms" nothing, an unsubscribe link may say
// "confirm". The first kind whose phrases match wins.
const phrases: [ActionKind, RegExp][] = [
  [
    'unsubscribe',
    /unsubscri|opt[ -]?out|email preferences|manage (?:your )?(?:email |notification |subscription )?(?:preferences|subscriptions|settings)|notification settings|stop receiving|désabonner|desabonner|désinscri|desinscri|se désinscrire|darse de baja|darte de baja|cancelar (?:la )?suscripci|anular (?:la )?suscripci|abmelden vom newsletter|newsletter abbestellen|abbestellen|abmelden|отписаться|отписки|отказаться от рассылки|退订|取消订阅|退訂|取消訂閱|إلغاء الاشتراك|الغاء الاشتراك/,
  ],
  [
    'reset',
    /reset|forgot|change (?:your )?password|new password|set (?:a )?(?:new )?password|choose a new password|réinitialiser|reinitialiser|réinitialisation|mot de passe oublié|nouveau mot de passe|restablecer|recuperar (?:tu |su )?contraseña|cambiar (?:tu |su )?contraseña|nueva contraseña|passwort zurücksetzen|passwort vergessen|neues passwort|kennwort zurücksetzen|сбросить пароль|сброс пароля|восстановить пароль|восстановления пароля|новый пароль|重置密码|重設密碼|找回密码|修改密码|إعادة تعيين كلمة المرور|اعادة تعيين كلمة المرور|كلمة مرور جديدة|استعادة كلمة المرور/,
  ],
  ['verify', verifyWords],
  [
    'magic_link',
    /sign[ -]?in|log[ -]?in|magic link|login link|sign me in|log me in|iniciar sesi|inicia sesi|acceder|entrar|se connecter|connexion|connectez|anmelden|einloggen|login|войти|вход|登录|登入|登錄|تسجيل الدخول|سجّل الدخول|سجل الدخول|الدخول/,
  ],
];

// What a shop, a venue or a calendar asks to confirm: an order received, an appointment, an
// attendance. Confirming those verifies no address or account.
const confirmsCommerce =
  /order|deliver|receipt|attendance|appointment|booking|reservation|payment|purchase|rsvp|pedido|entrega|cita|reserva|commande|livraison|rendez-vous|bestellung|lieferung|termin|buchung|zahlung|заказ|доставк|запис|订单|收货|预约|طلب|موعد|حجز/;

/** Whether the words confirm an order, a delivery, an appointment (not an address or account). */
export function confirmsOther(text: string): boolean {
  const t = text.toLowerCase();
  return confirmsCommerce.test(t) && verifyWords.test(t);
}

/** The kind the words in `text` give a link, or null when they give none. */
export function kindFromWords(text: string): ActionKind | null {
  const t = text.toLowerCase();
  for (const [kind, pattern] of phrases) {
    if (!pattern.test(t)) continue;
    if (kind === 'verify' && confirmsCommerce.test(t)) return null;
    return kind;
  }
  return null;
}

// URL paths: only the clearest markers (tracking redirects and IDs say nothing).
const urlPhrases: [ActionKind, RegExp][] = [
  ['unsubscribe', /unsub|opt-?out|list-manage\.com\/unsubscribe|\/preferences/],
  ['reset', /reset|forgot|recover|password/],
  ['verify', /verif|confirm|activat|validat/],
  ['magic_link', /magic|sign-?in|log-?in|\/auth\/|callback|\/session/],
];

// All of them at once: most URLs (tracking redirects, product pages) have none, and are then read
// once instead of once per kind.
const anyUrlPhrase = new RegExp(urlPhrases.map(([, pattern]) => pattern.source).join('|'));

/** The kind the URL itself gives a link (its path and query names), or null. */
export function kindFromUrl(url: string): ActionKind | null {
  const at = url.indexOf('//');
  const rest = url.slice(at + 2).toLowerCase();
  const slash = rest.indexOf('/');
  const pathAndQuery = slash < 0 ? '' : rest.slice(slash);
  if (!anyUrlPhrase.test(pathAndQuery)) return null;
  for (const [kind, pattern] of urlPhrases) if (pattern.test(pathAndQuery)) return kind;
  return null;
}

/** Anchor texts that say nothing of what the link does ("click here", the URL itself). */
const generic =
  /^(?:click here|click|here|this link|link|tap here|open|open link|button|continue|go|get started|start|ici|cliquez ici|aquí|aqui|haz clic aquí|pulsa aquí|hier|hier klicken|klicken sie hier|здесь|сюда|по ссылке|ссылке|перейти|点击这里|点击此处|点击|这里|此处|هنا|اضغط هنا|انقر هنا)[\s.!:→»>]*$/;

export function saysNothing(anchorText: string): boolean {
  const t = anchorText.trim().toLowerCase();
  return t.length === 0 || generic.test(t) || /^https?:\/\/|^www\./.test(t);
}
