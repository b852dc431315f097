const T=JSON.parse(document.getElementById('texts').textContent);
const q=new URLSearchParams(location.search);
let lang=q.get('lang')||((navigator.language||'').match(/^(nb|no|nn)/)?'nb':'en');
if(!T[lang])lang='en';
let view=null,stage=0,round=-1,picked={},failures=0,countdown=null;
const $=id=>document.getElementById(id);
function tr(k,v){let s=T[lang][k];for(const n in v||{})s=s.replace('{'+n+'}',v[n]);return s}
function setLang(l){lang=l;localTexts();if(view)render(view,true);refresh()}
function localTexts(){document.documentElement.lang=lang;$('t-title').textContent=tr('title');
$('t-join').textContent=tr('join_here');$('l-code').textContent=tr('code');
$('l-nick').textContent=tr('nickname');$('b-join').textContent=tr('join');
$('t-happened').textContent=tr('what_happened');}
async function api(path,body){const r=await fetch(path,body===undefined?{cache:'no-store'}:
{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify(body)});
let data={};try{data=await r.json()}catch(e){}return [r.status,data]}
async function join(){const [s,d]=await api('/api/join',{code:$('code').value.trim(),
nickname:$('nick').value.trim(),lang});if(s===200){render(d)}else{
const e=d.error||'?';$('join-msg').textContent=s===429?tr('rate'):e==='wrong join code'?
tr('wrong_code'):e.startsWith('the class is full')?tr('full'):e==='the game is over'?tr('over'):e}}
async function send(){const [s,d]=await api('/api/answer',{round:view.round,choices:picked});
if(s===200){render(d,true);$('status').className='ok';$('status').textContent=tr('sent')}
else{$('status').className='err';$('status').textContent=s===429?tr('rate'):(d.error||'?')}}
function control(c){const box=document.createElement('div');const l=document.createElement('label');
l.textContent=c.label;box.appendChild(l);
if(c.kind==='number'){const v=document.createElement('span');v.className='val';l.appendChild(v);
const r=document.createElement('input');r.type='range';r.min=c.low;r.max=c.high;r.step=c.step;
r.value=picked[c.name];r.name=c.name;v.textContent=(+r.value).toFixed(c.step<1?2:0);
r.oninput=()=>{picked[c.name]=+r.value;v.textContent=(+r.value).toFixed(c.step<1?2:0)};
box.appendChild(r)}else{const seg=document.createElement('div');seg.className='seg row';
const opts=c.kind==='bool'?[[true,tr('yes')],[false,tr('no')]]:c.options;
for(const [val,text] of opts){const b=document.createElement('button');b.type='button';
b.textContent=text;b.dataset.name=c.name;b.dataset.value=String(val);
b.className=picked[c.name]===val?'on':'';b.onclick=()=>{picked[c.name]=val;
for(const o of seg.children)o.className=o===b?'on':''};seg.appendChild(b)}box.appendChild(seg)}
return box}
function render(v,keep){view=v;document.body.dataset.phase=v.phase||'';
document.body.dataset.round=v.round;document.body.dataset.joined=v.joined?'1':'0';
if(v.stage)stage=v.stage;
$('joinbox').hidden=!!v.joined;$('game').hidden=!v.joined;if(!v.joined){
if(v.freed)$('join-msg').textContent=tr('freed');return}
$('role').textContent=(v.nickname?v.nickname+': ':'')+v.role_text;$('about').textContent=v.about;
$('logic').textContent=v.logic_text;
$('round').textContent=v.phase==='lobby'?tr('wait_start'):v.phase==='debrief'?tr('over'):
tr('round',{round:v.round})+' · '+tr('month',{month:v.month});
const story=$('story');story.replaceChildren();for(const s of v.story){const p=document.createElement('p');
p.textContent=s;story.appendChild(p)}$('happened').hidden=!v.story.length;$('picture').innerHTML=v.picture;
$('note').textContent=v.note||'';
$('choose').hidden=v.phase!=='open';
if(v.phase==='open'&&(round!==v.round||!keep)){if(round!==v.round)picked=Object.assign({},v.defaults);
round=v.round;const box=$('controls');box.replaceChildren();for(const c of v.controls)box.appendChild(control(c));
$('send').textContent=tr('send')}
$('status').className=v.answered?'ok':'muted';$('status').textContent=v.answered?tr('sent'):tr('not_sent');
if(countdown)clearInterval(countdown);let left=v.seconds_left;const tick=()=>{$('timer').textContent=
left===null||left===undefined||v.phase!=='open'?'':tr('seconds_left',{seconds:Math.ceil(left)});
if(left>0)left-=1};tick();countdown=setInterval(tick,1000)}
async function refresh(){const [s,d]=await api('/api/me?lang='+lang);if(s===200)render(d,true)}
async function loop(){while(true){try{const [s,d]=await api('/api/me?since='+stage+'&lang='+lang);
if(s===200){failures=0;render(d,true)}else{failures++;await new Promise(r=>setTimeout(r,1000))}}
catch(e){failures++;await new Promise(r=>setTimeout(r,Math.min(5000,500*failures)))}}}
$('code').value=(q.get('code')||'').toUpperCase();localTexts();
$('b-join').onclick=join;$('send').onclick=send;
for(const a of document.querySelectorAll('.lang a'))a.onclick=e=>{e.preventDefault();setLang(a.dataset.lang)};
refresh().then(loop);
