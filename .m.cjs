(async()=>{
const h=()=>Math.round(process.memoryUsage().heapUsed/1e6);
global.gc&&gc(); console.log('base',h());
let t=Date.now(); const m = await import('eld/'+process.argv[2]); gc(); console.log('eld',process.argv[2],Date.now()-t,'ms',h());
t=Date.now(); const w=require('wink-nlp')(require('wink-eng-lite-web-model')); gc(); console.log('wink',Date.now()-t,h());
t=Date.now(); const c=require('compromise'); c('Hello Paris.').places(); gc(); console.log('compromise',Date.now()-t,h());
t=Date.now(); require('wink-naive-bayes-text-classifier'); gc(); console.log('nb',Date.now()-t,h());
console.log(m.eld.detect('Esto es una prueba del detector de idioma.').language);
})();
