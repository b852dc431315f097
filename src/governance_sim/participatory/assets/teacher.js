const T=JSON.parse(document.getElementById('texts').textContent);
let lang=document.documentElement.lang,version=0,v=null;
const $=id=>document.getElementById(id);const tr=k=>T[lang][k]||k;
async function act(body){const r=await fetch('/api/teacher?lang='+lang,{method:'POST',
headers:{'Content-Type':'application/json'},body:JSON.stringify(body)});
let d={};try{d=await r.json()}catch(e){}if(r.status!==200)$('error').textContent=d.error||r.status;
else{$('error').textContent='';render(d)}}
function seatEl(s){const e=document.createElement('span');
e.className='seat'+(s.answered?' answered':'')+(s.held?'':' free');e.dataset.role=s.role_id;
e.textContent=s.role_id+(s.nickname?' ('+s.nickname+')':'');if(s.held){const b=document.createElement('button');
b.textContent=tr('free');b.onclick=()=>act({action:'free',role_id:s.role_id});e.appendChild(b)}return e}
function render(d){v=d;version=d.version;document.body.dataset.phase=d.phase;
document.body.dataset.round=d.round;document.body.dataset.answered=d.answered;
document.body.dataset.students=d.students;$('code').textContent=d.join_code;
$('url').textContent=d.join_urls.join('  ');
$('state').textContent=(d.phase==='lobby'?tr('lobby'):d.phase==='debrief'?tr('debrief'):
T[lang].round.replace('{round}',d.round))+' · '+T[lang].month.replace('{month}',d.month)+' · '+d.logic_text;
$('count').textContent=d.students+' '+tr('students')+' · '+d.answered+' '+tr('answered');
$('timer').textContent=d.seconds_left===null?'':Math.ceil(d.seconds_left)+' s';
$('curves').innerHTML=d.curves;$('units').innerHTML=d.units;
$('network').innerHTML=d.network;
$('seats').replaceChildren(...d.seats.map(seatEl));
$('log').textContent=d.log.slice().reverse().join('\n');
$('b-start').hidden=d.phase!=='lobby';$('b-next').hidden=d.phase!=='open';
$('b-end').hidden=d.phase==='debrief';
const db=$('debrief');db.hidden=!d.debrief;if(d.debrief)renderDebrief(d.debrief);
const s=d.settings;if(document.activeElement.closest('#settings')===null){$('s-max').value=s.max_students;
$('s-months').value=s.months_per_round;$('s-timer').value=s.round_seconds;$('s-logic').value=s.logic;
for(const k in s.shares)$('s-'+k).value=s.shares[k]}}
function cell(row,text,tag){const c=document.createElement(tag||'td');c.textContent=text;row.appendChild(c)}
function renderDebrief(b){const t=$('d-table');t.replaceChildren();const h=document.createElement('tr');
for(const k of ['d_kind','d_answers','d_differ','d_mean_choice','d_mean_rule'])cell(h,tr(k),'th');t.appendChild(h);
for(const r of b.choices){const row=document.createElement('tr');cell(row,r.label);cell(row,r.answers);
cell(row,r.differ);cell(row,JSON.stringify(r.chose));cell(row,JSON.stringify(r.rule));t.appendChild(row)}
const L=b.leaders;$('d-leaders').textContent=tr('d_dips')+': '+L.dips+'; '+tr('d_held')+': '+L.held+'; '+
tr('d_fell')+': '+L.fell+'. '+tr('d_quality_human')+': '+L.quality_human+'; '+tr('d_quality_model')+': '+L.quality_model;
const B=b.left_behind;$('d-left').textContent=T[lang].d_gap.replace('{q1}',B.trust_q1).replace('{all}',
B.trust_mean).replace('{part}',Math.round(100*B.participation_q1));const ol=$('d-questions');
ol.replaceChildren(...b.questions.map(x=>{const li=document.createElement('li');li.textContent=x;return li}))}
function settings(){const shares={};for(const k of ['citizen','professional','leader','politician'])
shares[k]=+$('s-'+k).value;const body={max_students:+$('s-max').value,months_per_round:+$('s-months').value,
round_seconds:+$('s-timer').value,shares};if(v&&v.phase==='lobby'&&v.round===0)body.logic=$('s-logic').value;
act({action:'settings',settings:body})}
async function loop(){while(true){try{const r=await fetch('/api/teacher?lang='+lang+'&since='+version,{cache:'no-store'});
if(r.status===200)render(await r.json());else await new Promise(x=>setTimeout(x,1000))}
catch(e){await new Promise(x=>setTimeout(x,1000))}}}
$('b-start').onclick=()=>act({action:'start'});$('b-next').onclick=()=>act({action:'next'});
$('b-end').onclick=()=>act({action:'end'});$('b-new').onclick=()=>{if(confirm(tr('new_game')+'?'))act({action:'new_game'})};
$('b-apply').onclick=settings;loop();
