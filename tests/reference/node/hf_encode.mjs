// Loads a tokenizer.json (and tokenizer_config.json when present) from the folder argv[2] with Hugging Face's
// tokenizers.js, encodes each string of the JSON array in the file argv[3] without adding special tokens, and prints
// {"ids": [[...], ...], "decoded": ["...", ...], "pieces": [[...], ...]}, where pieces are the pre-tokenizer's output
// for the whole string (byte-level spelled).
import fs from 'fs';
import path from 'path';
import { Tokenizer } from '@huggingface/tokenizers';

const [dir, inputFile] = process.argv.slice(2);
const readJson = file => JSON.parse(fs.readFileSync(file, 'utf-8'));
const configPath = path.join(dir, 'tokenizer_config.json');
const tokenizer = new Tokenizer(readJson(path.join(dir, 'tokenizer.json')), fs.existsSync(configPath) ? readJson(configPath) : {});
const texts = readJson(inputFile);
const ids = texts.map(t => tokenizer.encode(t, { add_special_tokens: false }).ids);
// tokenizers.js refuses to decode an empty list.
const decoded = ids.map(i => i.length === 0 ? '' : tokenizer.decode(i, { skip_special_tokens: false, clean_up_tokenization_spaces: false }));
const pieces = texts.map(t => tokenizer.pre_tokenizer.pre_tokenize(t));
process.stdout.write(JSON.stringify({ ids, decoded, pieces }) + '\n');
