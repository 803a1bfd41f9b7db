// Arabic for the API reference's own English (operation summaries and descriptions from
// src/http/operation-summaries.ts, field descriptions from the route schemas), so the Arabic
// docs page is Arabic throughout. Text with no entry here is shown in English, marked so.
import type { operationSummaries } from '../../http/operation-summaries.ts';

export const arabicOperationTexts: Record<
  keyof typeof operationSummaries,
  { summary: string; description: string }
> = {
  'GET /api/domains': {
    summary: 'عرض النطاقات',
    description: 'النطاقات التي تسمح بها خطتك للعناوين الجديدة؛ والمعامل type يضيّق القائمة.',
  },
  'GET /api/custom-domains': {
    summary: 'عرض نطاقاتك الخاصة',
    description:
      'النطاقات التي ربطتها، لكل منها حالته (`pending` أو `verified` أو `failed`) وما وجده آخر بحث في DNS والسجلات المطلوب إنشاؤها؛ وعدد النطاقات الذي تسمح به خطتك.',
  },
  'POST /api/custom-domains': {
    summary: 'ربط نطاق خاص',
    description:
      'يربط نطاقاً تملكه (‎`{"domain": …}`‎)، ويبقى معلّقاً حتى يحوي DNS سجل MX يشير إلى هذا الخادم وسجل TXT ‏‎`burnbox-verify=<token>`‎ المبيّن في الجواب؛ ويُبحث عنه في الخلفية حتى ‎`checks_until`‎.',
  },
  'GET /api/custom-domains/:domain': {
    summary: 'قراءة نطاق خاص',
    description: 'نطاق من نطاقاتك: حالته وآخر بحث والسجلات المطلوبة وصندوق الالتقاط الشامل.',
  },
  'POST /api/custom-domains/:domain/verify': {
    summary: 'فحص نطاق خاص الآن',
    description:
      'يبحث عن سجلي MX وTXT الآن؛ والجواب هو النطاق كما صار بعده (موثَّقاً، أو مع المشكلة التي وُجدت).',
  },
  'PUT /api/custom-domains/:domain/catch-all': {
    summary: 'ضبط صندوق التقاط شامل',
    description: 'البريد إلى أي عنوان في النطاق الموثَّق بلا صندوق يذهب إلى صندوق من صناديقك (‎`{"email": …}`‎).',
  },
  'DELETE /api/custom-domains/:domain/catch-all': {
    summary: 'إزالة صندوق الالتقاط الشامل',
    description: 'يُرفض من جديد البريد إلى عناوين النطاق التي لا صندوق لها.',
  },
  'DELETE /api/custom-domains/:domain': {
    summary: 'إزالة نطاق خاص',
    description: 'يفك ربط النطاق: يُرفض بريده فوراً، وتُحذف صناديقه مع رسائلها.',
  },
  'POST /api/emails': {
    summary: 'إنشاء صندوق بريد عشوائي',
    description: 'عنوان جديد باسم عشوائي على نطاق من نطاقات خطتك، يعيش طوال مدة الخطة.',
  },
  'POST /api/emails/:current/:username/:domain': {
    summary: 'تغيير عنوان صندوق البريد',
    description: 'يستبدل الصندوق ‎`current`‎ بالعنوان ‎`username@domain`‎؛ ويُحذف العنوان القديم ورسائله.',
  },
  'DELETE /api/emails/:email': {
    summary: 'حذف صندوق بريد',
    description: 'يحذف الصندوق وكل رسائله؛ ويبقى العنوان محجوزاً لك لبعض الوقت.',
  },
  'GET /api/messages': {
    summary: 'عرض الرسائل',
    description: 'كل رسائل الصندوق ‎?email=‎، الأحدث أولاً، مع النصوص وروابط المرفقات.',
  },
  'GET /api/messages/:id': {
    summary: 'قراءة رسالة',
    description: 'رسالة واحدة كاملة؛ قراءتها تجعلها مقروءة.',
  },
  'DELETE /api/messages/:id': { summary: 'حذف رسالة', description: 'يحذف رسالة واحدة.' },
  'GET /api/messages/:id/extract': {
    summary: 'رموز الرسالة وروابطها',
    description:
      'رموز التحقق (الأرجح أولاً) والروابط (رابط الإجراء أولاً) المقروءة من الرسالة عند وصولها؛ ولا تصير الرسالة مقروءة.',
  },
  'GET /api/messages/:id/attachments/:filename': {
    summary: 'تنزيل مرفق',
    description: 'بايتات المرفق كما استُلمت تماماً، مع نوع محتواه.',
  },
  'GET /api/email/domains': { summary: 'عرض النطاقات', description: 'النطاقات المتاحة للعناوين الجديدة.' },
  'POST /api/emails/generate': {
    summary: 'إنشاء صندوق بريد',
    description: 'ينشئ ‎`name@domain`‎ ليعيش ‎`expiryTime`‎ ملّي ثانية (0 = دائم، حيث تسمح الخطة).',
  },
  'GET /api/emails': {
    summary: 'عرض صناديق البريد',
    description: 'صناديقك النشطة، الأحدث أولاً، 20 في كل صفحة؛ مرّر ‎nextCursor‎ في ‎?cursor=‎ للصفحة التالية.',
  },
  'DELETE /api/emails/:emailId': { summary: 'حذف صندوق بريد', description: 'يحذف الصندوق ورسائله.' },
  'GET /api/emails/:emailId': {
    summary: 'عرض رسائل صندوق',
    description: 'رسائل الصندوق، الأحدث أولاً، 20 في كل صفحة، مع مؤشر للصفحة التالية.',
  },
  'GET /api/emails/:emailId/:messageId': { summary: 'قراءة رسالة', description: 'رسالة واحدة كاملة.' },
  'GET /api/emails/:emailId/:messageId/extract': {
    summary: 'رموز الرسالة وروابطها',
    description:
      'رموز التحقق (الأرجح أولاً) والروابط (رابط الإجراء أولاً) المقروءة من الرسالة عند وصولها؛ ولا تصير الرسالة مقروءة.',
  },
  'DELETE /api/emails/:emailId/:messageId': { summary: 'حذف رسالة', description: 'يحذف رسالة واحدة.' },
  'GET /api/webhook': { summary: 'إعدادات خطاف الويب', description: 'رابط خطاف الويب وهل هو مفعّل.' },
  'POST /api/webhook': {
    summary: 'ضبط خطاف الويب',
    description: 'يضبط الرابط الذي يستقبل طلب POST موقّعاً لكل رسالة جديدة، ومفتاح تشغيله.',
  },
  'GET /api/webhook/secret': {
    summary: 'سر التوقيع',
    description: 'السر الذي يُحسب به توقيع كل طلب (‏HMAC-SHA256 لـ ‎"timestamp.body"‎).',
  },
  'POST /api/webhook/secret': { summary: 'تغيير سر التوقيع', description: 'يستبدل سر التوقيع.' },
  'GET /api/webhook/deliveries': {
    summary: 'سجل الإرسال',
    description: 'آخر محاولات الإرسال، الأحدث أولاً، مع الحالة والنتيجة.',
  },
  'POST /api/webhook/test': {
    summary: 'إرسال حدث تجريبي',
    description: 'يجدول حدثاً تجريبياً إلى رابط خطاف الويب، حتى وهو متوقف.',
  },
  'GET /api/messages/wait': {
    summary: 'انتظار رسالة',
    description:
      'يجيب بأقدم رسالة غير مقروءة في الصندوق ‎?email=‎ تطابق ‎?from=‎ و‎?subject=‎ و‎?to=‎ (أو أول رسالة بعد ‎?after=‎)، ' +
      'مع رموزها وروابطها، ويعلّمها مقروءة؛ ويُبقي الطلب معلّقاً حتى تُحفظ رسالة مطابقة، مدة أقصاها ‎?timeout=‎ ثانية ' +
      '(30 افتراضياً، و60 على الأكثر)، ثم 408.',
  },
  'GET /api/messages/stream': {
    summary: 'بث الرسائل الجديدة',
    description:
      'أحداث Server-Sent Events: حدث ‎`message`‎ لكل رسالة جديدة في ‎?email=‎ (المعرّف: معرّف الرسالة؛ البيانات: كجواب الانتظار)، ' +
      'ونبضة كل 15 ثانية؛ ومع ‎`Last-Event-ID`‎ (أو ‎`?lastEventId=`‎) يُعاد أولاً ما وصل بعد تلك الرسالة.',
  },
  'GET /api/emails/:emailId/wait': {
    summary: 'انتظار رسالة',
    description:
      'يجيب بأقدم رسالة غير مقروءة تطابق ‎?from=‎ و‎?subject=‎ و‎?to=‎ (أو أول رسالة بعد ‎?after=‎)، مع رموزها وروابطها، ' +
      'ويعلّمها مقروءة؛ ويُبقي الطلب معلّقاً حتى تُحفظ رسالة مطابقة، مدة أقصاها ‎?timeout=‎ ثانية (30 افتراضياً، و60 على الأكثر)، ثم 408.',
  },
  'GET /api/emails/:emailId/stream': {
    summary: 'بث الرسائل الجديدة',
    description:
      'أحداث Server-Sent Events: حدث ‎`message`‎ لكل رسالة جديدة (المعرّف: معرّفها؛ البيانات: كجواب الانتظار)، ونبضة كل 15 ثانية؛ ' +
      'ومع ‎`Last-Event-ID`‎ (أو ‎`?lastEventId=`‎) يُعاد أولاً ما وصل بعد تلك الرسالة.',
  },
  'GET /api/config': {
    summary: 'إعدادات الموقع',
    description:
      'إعدادات MoeMail الأصلية: النطاقات التي تسمح بها خطتك (مفصولة بفواصل)، والدور الافتراضي، وحد الصناديق، لعملاء MoeMail أنفسهم.',
  },
};

/** Field and response descriptions of the route schemas. */
export const arabicSchemaTexts: Record<string, string> = {
  'Default Response': 'الاستجابة',
  'ISO 8601 with offset': 'ISO 8601 مع فرق التوقيت',
  'Opaque capability for this one mailbox': 'رمز صلاحية مبهم لهذا الصندوق وحده',
  UUID: 'UUID',
  "Owner's UUID": 'UUID المالك',
  'ISO 8601, UTC, milliseconds': 'ISO 8601 بتوقيت UTC مع الملّي ثانية',
  'ISO 8601; 9999-01-01T00:00:00.000Z when permanent': 'ISO 8601؛ ‎9999-01-01T00:00:00.000Z‎ للصندوق الدائم',
  'base64 of {"timestamp": ms, "id": uuid} of the last item; null on the last page':
    'ترميز base64 لـ ‎{"timestamp": ms, "id": uuid}‎ لآخر عنصر؛ null في الصفحة الأخيرة',
  'YYYY-MM-DD HH:MM:SS': 'YYYY-MM-DD HH:MM:SS',
  '46 letters and digits': '46 حرفاً ورقماً',
  'Whether content is HTML': 'هل المحتوى HTML',
  'Local part of the address': 'الجزء المحلي من العنوان (قبل @)',
  'Lifetime in ms; 0 = permanent': 'مدة الحياة بالملّي ثانية؛ 0 = دائم',
  'Unix ms': 'وقت يونكس بالملّي ثانية',
  'Plain-text body': 'النص العادي للرسالة',
  'HTML body, may be empty': 'نص HTML للرسالة، وقد يكون فارغاً',
  'http(s) URL, or "" for none': 'رابط http(s)‎، أو "" لعدم وجود رابط',
  'ISO 8601, UTC': 'ISO 8601 بتوقيت UTC',
  'Seconds to hold when nothing matches yet (default 30, at most 60)':
    'ثوانٍ يبقى فيها الطلب معلّقاً ما دامت لا رسالة مطابقة (30 افتراضياً، و60 على الأكثر)',
  "Substring of the sender's address or name (any case)":
    'جزء من عنوان المرسل أو اسمه (دون تمييز حالة الأحرف)',
  'Substring of the subject (any case)': 'جزء من الموضوع (دون تمييز حالة الأحرف)',
  'Substring of the address the message was sent to, +tag included (any case)':
    'جزء من العنوان الذي أُرسلت إليه الرسالة، مع الوسم ‎+tag‎ (دون تمييز حالة الأحرف)',
  'Only messages received after this one, seen or not': 'الرسائل التي وصلت بعد هذه فقط، مقروءة أو لا',
  'Replay what arrived after this message (or Last-Event-ID)':
    'يعيد ما وصل بعد هذه الرسالة (أو ‎`Last-Event-ID`‎)',
  'Verification codes found in the message, best guess first': 'رموز التحقق الموجودة في الرسالة، الأرجح أولاً',
  'Absolute http(s) links of the message, the action link first (at most 50)':
    'روابط http(s)‎ المطلقة في الرسالة، رابط الإجراء أولاً (50 على الأكثر)',
  'text/event-stream: `message` events (id: the message id; data: as the wait answer), a heartbeat comment every 15 s':
    'بث text/event-stream: أحداث ‎`message`‎ (المعرّف: معرّف الرسالة؛ البيانات: كجواب الانتظار)، وتعليق نبضة كل 15 ثانية',
  'The plan of self-registered accounts': 'خطة الحسابات المسجّلة ذاتياً',
  'Domains your plan may use, comma-separated': 'النطاقات التي تسمح بها خطتك، مفصولة بفواصل',
  'Verification codes (one-time passwords, PINs), best guess first; empty when there is none':
    'رموز التحقق (كلمات المرور لمرة واحدة وأرقام PIN)، الأرجح أولاً؛ فارغة حين لا رمز',
  'ASCII letters and digits, separators removed': 'حروف وأرقام ASCII، دون الفواصل',
  'Absolute http(s) links, the action link first, deduplicated, at most 50':
    'روابط http(s)‎ المطلقة، رابط الإجراء أولاً، دون تكرار، 50 على الأكثر',
  'HTML entities decoded': 'بعد فك ترميز كيانات HTML',
  'The domain name (Unicode names are kept in punycode)':
    'اسم النطاق (تُحفظ الأسماء بيونيكود بترميز punycode)',
  'One of your live mailboxes': 'صندوق من صناديقك النشطة',
  'A pending domain is looked up in the background until then, then failed':
    'يُبحث عن النطاق المعلّق في الخلفية حتى هذا الوقت، ثم يُعدّ فاشلاً',
  'What the last DNS lookup found missing or wrong': 'ما وجده آخر بحث في DNS ناقصاً أو خاطئاً',
  'The mailbox that takes mail for every other address on the domain':
    'الصندوق الذي يستقبل بريد كل عنوان آخر في النطاق',
  'The DNS records to create': 'سجلات DNS المطلوب إنشاؤها',
  'How many custom domains your plan allows': 'عدد النطاقات الخاصة الذي تسمح به خطتك',
  'The host MX records must point at': 'المضيف الذي يجب أن تشير إليه سجلات MX',
  'Most live mailboxes your plan allows ("unlimited" when none)':
    'أقصى عدد من الصناديق الحية تسمح به خطتك ("unlimited" حين لا حد)',
};
