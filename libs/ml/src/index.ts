export { MAX_TEXT_LENGTH } from './ml-limits';
