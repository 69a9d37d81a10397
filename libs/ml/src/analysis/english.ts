import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

/** One wink-nlp instance per thread: loading the English model takes about half a second. */
let instance: ReturnType<typeof winkNLP> | undefined;

export function english(): ReturnType<typeof winkNLP> {
  instance ??= winkNLP(model);
  return instance;
}
