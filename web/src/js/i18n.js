/*
 * Words of the pages, Chinese first, English on the switch. Static text
 * sits in the HTML in Chinese with data-i18n="key" (and
 * data-i18n-placeholder / data-i18n-label for attributes), so a page reads
 * right before any script runs; dynamic text comes from t(key, vars).
 * The choice is kept in localStorage ("lienlog.lang").
 */
const W = {
	/* shared */
	'brand': ['机动车抵押登记 · 透明日志', 'Vehicle mortgage registry · transparency log'],
	'nav.public': ['公开核验', 'Public verification'],
	'nav.owner': ['车主进度', 'Owner progress'],
	'nav.officer': ['民警工作台', 'Officer workstation'],
	'lang.switch': ['English', '中文'],
	'lang.switch.label': ['Switch to English', '切换到中文'],
	'skip': ['跳到正文', 'Skip to content'],
	'footer': ['所有核验都在您的浏览器中完成：签名、见证者联署和默克尔证明均由本页代码检查，不采信服务器自称的“已验证”。',
		'Everything is verified in your browser: signatures, witness cosignatures and Merkle proofs are checked by this page, never taken on the server\'s word.'],
	'loading': ['正在加载…', 'Loading…'],
	'error.network': ['无法连接服务器：{msg}', 'Cannot reach the server: {msg}'],
	'error.http': ['服务器答复 {status}（{code}）', 'The server answered {status} ({code})'],
	'yes': ['是', 'yes'],
	'no': ['否', 'no'],

	/* verdict steps (verify.js STEP) */
	'step.format': ['格式', 'Format'],
	'step.log_key': ['日志公钥', 'Log key'],
	'step.origin': ['日志名称（origin）', 'Log name (origin)'],
	'step.log_signature': ['日志签名', 'Log signature'],
	'step.witnesses': ['见证者联署', 'Witness cosignatures'],
	'step.tree_size': ['树大小', 'Tree size'],
	'step.inclusion': ['包含证明（到达根哈希）', 'Inclusion proof (reaches the root)'],
	'step.consistency': ['一致性证明', 'Consistency proof'],
	'step.entry_hash': ['条目与叶哈希一致', 'Entry matches the leaf'],
	'step.entry_index': ['条目位置', 'Entry position'],
	'step.application': ['条目属于本申请', 'Entry is this application\'s step'],
	'step.vehicle': ['车辆', 'Vehicle'],
	'step.state_root': ['状态根条目', 'State-root entry'],
	'step.map_proof': ['状态图证明', 'Map proof'],
	'step.record': ['状态记录', 'Status record'],
	'fail.vehicle': ['这是另一辆车的证明', 'the proof is for another vehicle'],
	'fail.state_root': ['状态根不是该检查点的最后一个条目', 'the state root is not the checkpoint\'s last entry'],
	'fail.map_proof': ['状态图证明无法到达状态根', 'the map proof does not reach the state root'],
	'fail.record': ['状态记录与证明不符', 'the status record does not match the proof'],
	'vin.absent': ['无抵押、无限制：该车辆在本登记系统中没有记录', 'No lien, no restriction: this vehicle has no record here'],
	'vin.clear': ['无抵押、无限制', 'No lien, no restriction'],
	'vin.lien': ['抵押中', 'Under lien'],
	'vin.restricted': ['受限制', 'Restricted'],
	'vin.lien.item': ['第 {r} 顺位抵押，{t} 登记（申请 {a}）', 'Lien of rank {r}, registered {t} (application {a})'],
	'vin.released.item': ['已解除的抵押：{t1} 登记，{t2} 解除（申请 {a}）', 'Released lien: registered {t1}, released {t2} (application {a})'],
	'vin.restriction.item': ['{k}，自 {t} 起', '{k} since {t}'],
	'vin.recorded': ['车辆登记记录：{t}', 'Vehicle recorded: {t}'],
	'kind.seized': ['查封', 'Seized'],
	'kind.detained': ['扣押', 'Detained'],
	'kind.stolen': ['被盗抢', 'Stolen'],
	'kind.scrapped': ['达到报废标准', 'Reached the scrapping standard'],
	'kind.customs': ['海关监管', 'Under customs supervision'],
	'fail.format': ['文件格式不正确', 'the file is not well-formed'],
	'fail.log_key': ['公钥不可用', 'the key is unusable'],
	'fail.origin': ['检查点属于另一个日志', 'the checkpoint is of another log'],
	'fail.log_signature': ['签名无效或不是该日志公钥签的（公钥错误或签名被篡改）', 'bad signature, or not signed by the log key (wrong key or tampered)'],
	'fail.witnesses': ['见证者联署不足', 'too few witness cosignatures'],
	'fail.tree_size': ['证明与检查点的树大小不符', 'the proof is for another tree size'],
	'fail.inclusion': ['证明无法到达检查点的根哈希', 'the proof does not reach the checkpoint root'],
	'fail.consistency': ['两个检查点不是同一段历史', 'the checkpoints are not one history'],
	'fail.entry_hash': ['条目内容与叶哈希不符', 'the entry does not match the leaf'],
	'fail.entry_index': ['条目记录的位置与证明不符', 'the entry names another position'],
	'fail.application': ['日志中该位置的条目不是这一步', 'the entry at that position is not this step'],
	'verdict.ok': ['已验证', 'Verified'],
	'verdict.bad': ['未通过验证', 'Does not verify'],
	'verdict.failed_at': ['未通过的一步：{step} — {why}', 'Failing step: {step} — {why}'],
	'verdict.proven': ['已对照 {origin} 的第 {size} 号检查点证明（{time}），{k}/{n} 个见证者联署',
		'proven against checkpoint {size} of {origin} ({time}), cosigned by {k} of {n} witnesses'],
	'verdict.entry_unchecked': ['未取得条目内容，仅核验了叶哈希。', 'The entry bytes could not be fetched: only the leaf hash was checked.'],
	'time.unknown': ['时间未知', 'time unknown'],

	/* entry types and statuses */
	'type.mortgage_application': ['抵押登记申请', 'Mortgage application'],
	'type.release_application': ['解除抵押申请', 'Release application'],
	'type.decision': ['审核决定', 'Decision'],
	'type.vehicle_record': ['车辆登记记录', 'Vehicle record'],
	'type.restriction': ['限制措施', 'Restriction'],
	'type.institution_file': ['金融机构备案', 'Institution filing'],
	'type.institution_status': ['金融机构状态', 'Institution status'],
	'type.party_file': ['参与方备案', 'Party filing'],
	'type.party_status': ['参与方状态', 'Party status'],
	'type.state_root': ['状态根', 'State root'],
	'type.demo': ['演示条目', 'Demo entry'],
	'status.submitted': ['已提交，待审核', 'Submitted, awaiting review'],
	'status.in_person_review': ['转人工现场审核', 'Diverted to in-person review'],
	'status.approved': ['已核准', 'Approved'],
	'status.rejected': ['已驳回', 'Rejected'],
	'status.released': ['已解除抵押', 'Released'],

	/* owner and officer pages */
	'owner.title': ['车主进度', 'Owner progress'],
	'owner.lead': ['在一个页面掌握抵押登记的每一步；每一步都可以在您的浏览器中验证它确实记录在公开日志里。', 'Every step of your registration on one screen; each step can be checked in your browser against the public log.'],
	'owner.signin.h': ['查看我的申请', 'See my applications'],
	'owner.code.label': ['查询码（银行随回执交给您）', 'Access code (from your bank, with the receipt)'],
	'owner.code.go': ['查看进度', 'Show progress'],
	'owner.code.hint': ['形如 996-JTV8-38CE-KKBK-ARJM。每个查询码只对应一项申请。', 'Like 996-JTV8-38CE-KKBK-ARJM. Each code opens one application.'],
	'owner.code.bad': ['查询码格式不对：应为“数字-四组字母数字”', 'That is not an access code: digits, then four groups of letters and digits'],
	'owner.code.invalid': ['查询码无效，请向办理银行核对。', 'This access code is not valid: please check it with your bank.'],
	'owner.face.h': ['人脸识别登录（演示服务）', 'Sign in with face ID (demo provider)'],
	'owner.face.lead': ['正式环境中由可信的人脸识别服务核验您本人；此处为演示用模拟服务，仅在演示系统中可用。', 'In service, a trusted face-ID provider checks that it is you; this is a simulated provider that exists only in the demo.'],
	'owner.face.label': ['身份证号码', 'Citizen ID number'],
	'owner.face.go': ['模拟人脸识别并登录', 'Simulate face check and sign in'],
	'owner.face.bad': ['身份证号码应为 18 位且校验位正确', 'A citizen ID number has 18 characters and a valid check character'],
	'owner.face.disabled': ['本服务器未提供演示人脸识别服务。', 'This server has no demo face-ID provider.'],
	'owner.face.failed': ['人脸识别未通过：{code}', 'The face check failed: {code}'],
	'owner.apps.h': ['我的申请', 'My applications'],
	'owner.refresh': ['刷新', 'Refresh'],
	'owner.signout': ['退出', 'Sign out'],
	'owner.who.codes': ['已用 {n} 个查询码登录', 'Signed in with {n} access code(s)'],
	'owner.who.face': ['已通过人脸识别登录', 'Signed in with face ID'],
	'owner.none': ['没有找到您的申请。', 'No applications found for you.'],
	'owner.expired': ['登录已过期，请重新登录。', 'Your sign-in expired: please sign in again.'],
	'owner.kind.mortgage': ['抵押登记', 'Mortgage registration'],
	'owner.kind.release': ['解除抵押登记', 'Mortgage release'],
	'officer.channel.counter': ['窗口办理', 'at the counter'],
	'officer.ev.idcheck': ['窗口民警现场核验证件：{d}（无人脸识别）', 'Identity document checked in person at the counter: {d} (no face ID)'],
	'officer.ev.consent': ['银行确认', 'Bank consent'],
	'officer.ev.voucher': ['银行凭单 {v}', 'the bank\'s voucher {v}'],
	'officer.ev.phone': ['电话确认：{c}（银行备案电话），{s}', 'confirmed by phone at the bank\'s filed number {c} by {s}'],
	'officer.channel': ['渠道', 'Channel'],
	'officer.channel.online': ['网上办理', 'online'],
	'owner.vehicle': ['车辆', 'Vehicle'],
	'owner.rank': ['抵押顺位：第 {r} 顺位', 'Rank: {r}'],
	'owner.step.applied': ['银行已确认并提交申请（车主已人脸识别确认）', 'Your bank confirmed and filed the application (you consented by face ID)'],
	'owner.step.applied.counter': ['车管所窗口已核验身份证件并受理申请（银行凭单或电话确认）', 'Filed at the registration office\'s counter: your identity document was checked; your bank consented by voucher or by phone'],
	'owner.step.in_person_review': ['转人工现场审核', 'Diverted to in-person review'],
	'owner.step.approved': ['民警已核准，登记完成', 'Approved by the officer: registered'],
	'owner.step.rejected': ['已驳回', 'Rejected'],
	'owner.step.released': ['抵押已解除', 'The mortgage is released'],
	'owner.step.picked_up': ['邮政已上门揽收登记证书', 'The post office collected your registration certificate'],
	'owner.step.endorsed': ['车管中心已签注登记证书', 'The vehicle office endorsed the certificate'],
	'owner.step.dispatched': ['登记证书已寄出（EMS）', 'The certificate is on its way to you (EMS)'],
	'owner.step.delivered': ['登记证书已送达，办理完成', 'The certificate was delivered: complete'],
	'owner.step.returned': ['投递未成功，登记证书已退回，将再次投递', 'Delivery failed: the certificate went back and will be sent again'],
	'owner.step.next.submitted': ['下一步：等待民警审核（通常 1 个工作日内）', 'Next: an officer reviews it (usually within one working day)'],
	'owner.step.next.in_person_review': ['下一步：请携带身份证到车管所窗口办理', 'Next: please visit the vehicle office with your ID card'],
	'owner.reason': ['原因：{r}', 'Reason: {r}'],
	'owner.log_index': ['日志 #{i}', 'log #{i}'],
	'owner.verify': ['验证此步骤', 'Verify this step'],
	'owner.verify.all': ['验证全部步骤', 'Verify every step'],
	'owner.verified': ['已在公开日志中证明（检查点 {n}）', 'Proven in the public log (checkpoint {n})'],
	'owner.verify.failed': ['验证未通过：{step}', 'Does not verify: {step}'],
	'reason.face_grey': ['人脸识别结果需人工复核', 'the face check needs a person to confirm it'],
	'reason.owner_mismatch': ['申请人与登记的车主不一致', 'the applicant is not the registered owner'],
	'reason.vehicle_unrecorded': ['车辆登记信息尚未同步', 'the vehicle is not yet in the registry'],
	'reason.vehicle_details_mismatch': ['号牌或登记证书信息与登记不符', 'plate or certificate details differ from the registry'],
	'reason.release_soon': ['登记后不久即申请解除，需要核实', 'a release soon after registration needs checking'],
	'reason.multi_bank': ['多家银行同时申请抵押', 'several banks applied for this vehicle'],
	'reason.institution_burst': ['该机构短时间内申请过多', 'the institution filed unusually many applications'],
	'reason.owner_burst': ['同一车主短时间内申请过多', 'unusually many applications for one owner'],
	'reason.cert_expiring': ['银行签名证书即将过期', 'the bank\'s signing certificate expires soon'],
	'officer.title': ['民警工作台', 'Officer workstation'],
	'officer.lead': ['审核网上申请：队列、证据、决定。每个请求都在本浏览器中用您的私钥签名（RFC 9421），私钥不会离开浏览器。', 'Review online applications: queue, evidence, decision. Every request is signed in this browser with your key (RFC 9421); the key never leaves the browser.'],
	'officer.key.h': ['载入签名密钥', 'Load your signing key'],
	'officer.key.file': ['私钥文件（PKCS#8，例如 officer.key）', 'Private key file (PKCS#8, e.g. officer.key)'],
	'officer.cert.file': ['证书文件（例如 officer.pem）', 'Certificate file (e.g. officer.pem)'],
	'officer.key.go': ['载入并登录', 'Load and sign in'],
	'officer.key.need': ['请选择私钥文件和证书文件', 'Choose the key file and the certificate file'],
	'officer.key.mismatch': ['私钥与证书不匹配', 'The key does not match the certificate'],
	'officer.key.bad': ['无法载入：{msg}', 'Cannot load: {msg}'],
	'officer.gen.h': ['或：在浏览器中生成新密钥', 'Or: make a new key in this browser'],
	'officer.gen.lead': ['新私钥生成后保存在本浏览器中且不可导出；把公钥交管理员签发证书并备案，再载入证书即可使用。', 'The new private key stays in this browser and cannot be exported; give the public key to your administrator for a certificate and filing, then load the certificate.'],
	'officer.gen.go': ['生成新密钥', 'Make a new key'],
	'officer.gen.done': ['已生成。公钥（交管理员备案）：', 'Done. Public key (for your administrator to file):'],
	'officer.gen.download': ['下载公钥', 'Download the public key'],
	'officer.gen.cert': ['备案后载入证书', 'After filing, load the certificate'],
	'officer.gen.certgo': ['载入证书并登录', 'Load the certificate and sign in'],
	'officer.signout': ['退出', 'Sign out'],
	'officer.who': ['已登录：公钥标识 {k}…（{alg}），私钥不可导出', 'Signed in: keyid {k}… ({alg}); the key cannot be exported'],
	'officer.queue.h': ['待审核队列', 'Queue'],
	'officer.queue.status': ['状态', 'Status'],
	'officer.queue.filter': ['筛选（编号、VIN、银行、原因）', 'Filter (id, VIN, bank, reason)'],
	'officer.queue.empty': ['队列为空。', 'The queue is empty.'],
	'officer.queue.app': ['申请', 'Application'],
	'officer.queue.kind': ['类型', 'Kind'],
	'officer.queue.bank': ['银行', 'Bank'],
	'officer.queue.reasons': ['异常原因', 'Anomalies'],
	'officer.queue.time': ['提交时间', 'Submitted'],
	'officer.queue.page': ['第 {p} 页', 'page {p}'],
	'officer.prev': ['上一页', 'Previous page'],
	'officer.next': ['下一页', 'Next page'],
	'officer.detail.h': ['申请详情与证据', 'Application and evidence'],
	'officer.stats.h': ['业务统计', 'Statistics'],
	'officer.stats.reload': ['刷新', 'Reload'],
	'officer.stats.hint': ['由日志计算（lienlog audit --statistics 可复算）。', 'Computed from the log (lienlog audit --statistics recomputes it).'],
	'officer.stats.apps': ['申请总数', 'Applications'],
	'officer.stats.online': ['网上办理占比', 'Online share'],
	'officer.stats.decision': ['提交到审核（中位数 / 90%）', 'Submission to decision (median / p90)'],
	'officer.stats.delivery': ['提交到证书送达（中位数 / 90%）', 'Submission to delivery (median / p90)'],
	'officer.stats.reminders': ['已安排到期解押提醒', 'Due-release reminders scheduled'],
	'officer.stats.outcomes': ['办理结果', 'Outcomes'],
	'officer.stats.diversions': ['转人工现场审核原因', 'In-person diversions by reason'],
	'officer.stats.byofficer': ['民警要求现场核验', 'asked by an officer'],
	'officer.stats.banks': ['各机构申请量（前 10）', 'Applications per institution (top 10)'],
	'officer.ev.h': ['封存证据（仅民警、审计可见）', 'Sealed evidence (officers and auditors only)'],
	'officer.ev.face': ['人脸识别', 'Face ID'],
	'officer.ev.face.scores': ['活体 {l}，比对 {m}（{v}），签发方 {iss}，时间 {t}', 'liveness {l}, match {m} ({v}), issuer {iss}, at {t}'],
	'officer.ev.signer': ['提交方（签名证书）', 'Filed by (signing certificate)'],
	'officer.ev.sms': ['企业法定代表人短信确认', 'Legal representative\'s SMS confirmation'],
	'officer.ev.sms.none': ['个人车主，无需短信确认', 'Private owner: no SMS confirmation needed'],
	'officer.ev.checks': ['服务器核对（供参考）', 'Server checks (for reference)'],
	'officer.ev.owner': ['车主', 'Owner'],
	'officer.ev.contract': ['合同编号', 'Contract'],
	'officer.ev.cert': ['登记证书编号', 'Certificate number'],
	'officer.ev.inlog': ['申请条目已在浏览器中证明包含于公开日志', 'The application entry is proven in the public log, in this browser'],
	'officer.decide.h': ['作出决定', 'Decide'],
	'officer.decide.approve': ['核准', 'Approve'],
	'officer.decide.reject': ['驳回', 'Reject'],
	'officer.decide.review': ['转人工现场审核', 'Divert to in-person review'],
	'officer.decide.reason': ['原因（驳回时必填，会告知车主）', 'Reason (required to reject; the owner sees it)'],
	'officer.decide.go': ['签名并提交决定', 'Sign and submit the decision'],
	'officer.decide.need_reason': ['驳回必须填写原因', 'A rejection needs a reason'],
	'officer.decide.done': ['决定已记入日志，回执已在浏览器中核验：', 'The decision is in the log; its receipt, verified in this browser:'],
	'officer.decide.download': ['下载回执', 'Download the receipt'],
	'officer.decide.failed': ['提交失败：{msg}', 'Not accepted: {msg}'],
	'soon': ['此页面正在建设中。', 'This screen is being built.'],

	/* public page */
	'pub.title': ['公开核验', 'Public verification'],
	'pub.lead': ['任何人都可以在这里核验车辆的抵押状态、登记回执和证明文件。', 'Anyone can check a vehicle\'s lien status, a registration receipt or a proof file here.'],
	'pub.vin.h': ['查询车辆抵押状态', 'Look up a vehicle\'s lien status'],
	'pub.vin.label': ['车辆识别代号（VIN，17位）', 'Vehicle identification number (VIN, 17 characters)'],
	'pub.vin.go': ['查询并核验', 'Look up and verify'],
	'pub.vin.bad': ['VIN 应为 17 位（0-9、A-Z，不含 I、O、Q）且校验位正确', 'A VIN is 17 characters (0-9, A-Z without I, O, Q) with a valid check digit'],
	'pub.vin.unavailable': ['本服务器尚未提供车辆状态证明（/v1/vehicles/{vin}/status-proof）。', 'This server does not serve vehicle status proofs yet (/v1/vehicles/{vin}/status-proof).'],
	'pub.file.h': ['核验回执或证明文件', 'Verify a receipt or a proof file'],
	'pub.file.lead': ['粘贴或拖入银行转交的登记回执（JSON）、tlog-proof 证明文件、状态证明或检查点。', 'Paste or drop a registration receipt (JSON) from the bank, a tlog-proof file, a status proof or a checkpoint.'],
	'pub.file.label': ['回执或证明内容', 'Receipt or proof'],
	'pub.file.pick': ['或选择文件', 'or choose a file'],
	'pub.file.go': ['核验', 'Verify'],
	'pub.file.unknown': ['无法识别：不是回执、tlog-proof、状态证明或检查点', 'Not recognised: not a receipt, tlog-proof, status proof or checkpoint'],
	'pub.keys.h': ['日志公钥与见证者公钥', 'Log key and witness keys'],
	'pub.keys.lead': ['本页用下列公钥核验一切。请通过公布渠道（公告、官网、见证方）核对公钥标识（key ID），核对后可将其固定在本浏览器中。',
		'This page verifies everything with the keys below. Compare their key IDs with those published elsewhere (notices, the authority\'s site, the witnesses), then pin them in this browser.'],
	'pub.keys.log': ['日志公钥', 'Log key'],
	'pub.keys.witnesses': ['见证者公钥（需 {q} 个联署）', 'Witness keys ({q} cosignatures required)'],
	'pub.keys.none': ['无见证者', 'no witnesses'],
	'pub.keys.source.served': ['来源：本服务器提供，尚未核对', 'Source: served by this server, not yet compared'],
	'pub.keys.source.pinned': ['来源：已固定在本浏览器中', 'Source: pinned in this browser'],
	'pub.keys.mismatch': ['警告：服务器提供的公钥与您固定的不同！核验仍使用您固定的公钥。', 'Warning: the server\'s keys differ from the keys you pinned! Verification keeps using your pinned keys.'],
	'pub.keys.pin': ['固定这些公钥', 'Pin these keys'],
	'pub.keys.unpin': ['取消固定', 'Unpin'],
	'pub.keys.keyid': ['公钥标识', 'key ID'],
	'pub.keys.how': ['核对方法：在命令行运行 lienlog verify checkpoint --vkey 公钥文件，或比较上面的 8 位公钥标识。', 'How to compare: run lienlog verify checkpoint --vkey KEYFILE, or compare the 8-digit key ID above.'],
	'pub.cp.h': ['最新检查点', 'Latest checkpoint'],
	'pub.cp.size': ['条目数（树大小）', 'Entries (tree size)'],
	'pub.cp.time': ['最后条目时间（已证明）', 'Time of the last entry (proven)'],
	'pub.cp.root': ['根哈希', 'Root hash'],
	'pub.cp.origin': ['日志', 'Log'],
	'pub.cp.cosigned': ['见证者联署', 'Witness cosignatures'],
	'pub.result.h': ['核验结果', 'Result'],
	'pub.detail.index': ['日志序号', 'Log index'],
	'pub.detail.type': ['条目类型', 'Entry type'],
	'pub.detail.time': ['登记时间', 'Logged at'],
	'pub.detail.app': ['申请编号', 'Application'],
	'pub.detail.status': ['状态', 'Status'],
	'pub.detail.leaf': ['叶哈希', 'Leaf hash'],
	'pub.svg.title': ['证明路径：从条目到根哈希', 'Proof path: from the entry to the root'],
	'pub.svg.leaf': ['条目 #{i}', 'entry #{i}'],
	'pub.svg.root': ['根（树大小 {n}）', 'root (size {n})'],
	'pub.svg.sibling': ['兄弟节点', 'sibling'],
};

const KEY = 'lienlog.lang';
let lang = 'zh';
try {
	lang = localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
} catch (e) {
	lang = 'zh';
}

export function getLang() {
	return lang;
}

export function t(key, vars = {}) {
	const w = W[key];
	let s = w ? w[lang === 'en' ? 1 : 0] : key;
	for (const [k, v] of Object.entries(vars))
		s = s.split('{' + k + '}').join(String(v));
	return s;
}

/* Add words (each page may bring its own). */
export function addWords(words) {
	Object.assign(W, words);
}

const listeners = [];

export function onLangChange(fn) {
	listeners.push(fn);
}

export function applyLang(root = document) {
	document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
	for (const e of root.querySelectorAll('[data-i18n]'))
		e.textContent = t(e.dataset.i18n);
	for (const e of root.querySelectorAll('[data-i18n-placeholder]'))
		e.placeholder = t(e.dataset.i18nPlaceholder);
	for (const e of root.querySelectorAll('[data-i18n-label]'))
		e.setAttribute('aria-label', t(e.dataset.i18nLabel));
}

export function setLang(l) {
	lang = l === 'en' ? 'en' : 'zh';
	try {
		localStorage.setItem(KEY, lang);
	} catch (e) {
		/* private mode: the choice lasts for this page */
	}
	applyLang();
	for (const fn of listeners)
		fn(lang);
}

/* Wire the switch button (id "lang") and apply the stored choice. */
export function initLang() {
	const b = document.getElementById('lang');
	if (b)
		b.addEventListener('click', () => setLang(lang === 'en' ? 'zh' : 'en'));
	applyLang();
}
