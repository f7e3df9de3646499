#!/usr/bin/env -S npx tsx
import { parseArgs } from 'node:util';
import type { Gender } from '../functions/jpki/profile.ts';
import { issueLocalCard } from '../lib/local/cards.ts';
import { localStateDir } from '../lib/paths.ts';
import { connectToVpcd, VPCD_PORT } from '../test/harness/vpcd/bridge.ts';

/**
 * `npm run card -- vpcd [options]`: a virtual My Number card in vsmartcard's virtual reader, for PC/SC
 * software such as OpenSC. Start pcscd first (with vsmartcard-vpcd installed), then run this; Ctrl-C
 * takes the card out. The card is issued by the local PKI (`.xid-local/pki/`, made if missing), the one
 * `npm start` trusts, so what it signs registers against the local runtime.
 */
const usage = `usage: npm run card -- vpcd [--name 公的　花子] [--gender male|female|unknown] [--dob 1966-11-10]
                            [--address 東京都品川区広町2-1-10] [--sign-pin ABCD1234] [--auth-pin 1234]
                            [--port ${VPCD_PORT}] [--verbose]`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    gender: { type: 'string' },
    dob: { type: 'string' },
    address: { type: 'string' },
    'sign-pin': { type: 'string' },
    'auth-pin': { type: 'string' },
    port: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help || positionals[0] !== 'vpcd') {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
if (values.gender && !['male', 'female', 'unknown'].includes(values.gender)) {
  console.error('--gender is male, female or unknown');
  process.exit(2);
}

const { card, holder } = await issueLocalCard(localStateDir(), {
  ...(values.name ? { name: values.name } : {}),
  ...(values.gender ? { gender: values.gender as Gender } : {}),
  ...(values.dob ? { dateOfBirth: values.dob } : {}),
  ...(values.address ? { address: values.address } : {}),
  ...(values['sign-pin'] ? { signPin: values['sign-pin'] } : {}),
  ...(values['auth-pin'] ? { authPin: values['auth-pin'] } : {}),
});
const port = values.port ? Number(values.port) : VPCD_PORT;
const bridge = await connectToVpcd(card, {
  port,
  log: values.verbose ? (line) => console.log(line) : undefined,
});
console.log(
  [
    `Virtual My Number card inserted in vpcd (127.0.0.1:${port}).`,
    `  holder        ${holder.name} / ${holder.gender} / ${holder.dateOfBirth} / ${holder.address}`,
    `  signature PIN ${holder.signPin} (5 tries)    authentication PIN ${holder.authPin} (3 tries)`,
    `  issued by the local PKI in ${localStateDir()}/pki (trusted by npm start)`,
    '  try: pkcs15-tool --list-certificates',
    'ready',
  ].join('\n'),
);
const stop = async () => {
  await bridge.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
await bridge.closed;
console.log('vpcd closed the connection');
