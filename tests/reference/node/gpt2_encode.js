// Encodes each string of a JSON array (from the file named by argv[2], or stdin) with the gpt-3-encoder package
// (GPT-2's encoder.json + vocab.bpe and a port of OpenAI's encoder.py) and prints a JSON array of id arrays.
// The time spent encoding goes to stderr as "encode_ms=<ms>" (bench/tokenizer.cs compares it with ours).
const fs = require('fs');
const { encode } = require('gpt-3-encoder');

const input = fs.readFileSync(process.argv.length > 2 ? process.argv[2] : 0, 'utf-8');
const texts = JSON.parse(input);
if (!Array.isArray(texts) || texts.some(t => typeof t !== 'string')) {
  console.error('gpt2_encode.js: expected a JSON array of strings');
  process.exit(2);
}
const start = process.hrtime.bigint();
const ids = texts.map(t => encode(t));
console.error(`encode_ms=${Number(process.hrtime.bigint() - start) / 1e6}`);
process.stdout.write(JSON.stringify(ids) + '\n');
