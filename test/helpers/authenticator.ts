// A software authenticator for the tests: real P-256 keys, "none" attestation, the authenticator
// data and client data a browser and an authenticator would make — so the gateway's checks run on
// real ceremonies, and each field can be made wrong on purpose.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

interface Stored {
  readonly id: Buffer;
  readonly privateKey: KeyObject;
  readonly userHandle: string;
  counter: number;
}

/** What an authenticator is: synced (backup eligible and backed up, no counter) or device-bound (a counter). */
export interface AuthenticatorOptions {
  readonly origin: string;
  readonly rpId: string;
  readonly synced?: boolean;
  readonly userVerified?: boolean;
}

type Json = Record<string, unknown>;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

export function softwareAuthenticator(options: AuthenticatorOptions) {
  const credentials = new Map<string, Stored>();
  const flags = (attested: boolean, uv = options.userVerified ?? true, synced = options.synced) => 0x01 | (uv ? 0x04 : 0) | (synced ? 0x18 : 0) | (attested ? 0x40 : 0);
  const counterBytes = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const clientData = (type: string, challenge: string, origin: string) => Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  return {
    credentials,
    /** navigator.credentials.create: `creation` as the gateway's options; the rest may be made wrong. */
    create(creation: Json, wrong: { origin?: string; rpId?: string } = {}) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
      const cose = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
      const id = randomBytes(32);
      const rpIdHash = createHash('sha256').update(wrong.rpId ?? options.rpId).digest();
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(id.length);
      const authData = Buffer.concat([rpIdHash, Buffer.from([flags(true)]), counterBytes(0), Buffer.alloc(16), idLength, id, Buffer.from(cose)]);
      const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
      const user = creation.user as { id: string };
      credentials.set(b64(id), { id, privateKey, userHandle: user.id, counter: 0 });
      return {
        id: b64(id),
        rawId: b64(id),
        type: 'public-key',
        response: { clientDataJSON: b64(clientData('webauthn.create', String(creation.challenge), wrong.origin ?? options.origin)), attestationObject: b64(attestationObject), transports: ['internal'] },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
    /** navigator.credentials.get with the one credential (or `credentialId`); its counter grows unless synced. */
    get(request: Json, wrong: { origin?: string; rpId?: string; credentialId?: string; counter?: number; userHandle?: string; userVerified?: boolean; synced?: boolean } = {}) {
      const stored = wrong.credentialId ? credentials.get(wrong.credentialId) : [...credentials.values()][0];
      if (!stored) throw new Error('the authenticator holds no such credential');
      if (!options.synced) stored.counter += 1;
      const counter = wrong.counter ?? (options.synced ? 0 : stored.counter);
      const rpIdHash = createHash('sha256').update(wrong.rpId ?? options.rpId).digest();
      const authData = Buffer.concat([rpIdHash, Buffer.from([flags(false, wrong.userVerified, wrong.synced ?? options.synced)]), counterBytes(counter)]);
      const data = clientData('webauthn.get', String(request.challenge), wrong.origin ?? options.origin);
      const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(data).digest()]), stored.privateKey);
      return {
        id: b64(stored.id),
        rawId: b64(stored.id),
        type: 'public-key',
        response: { clientDataJSON: b64(data), authenticatorData: b64(authData), signature: b64(signature), userHandle: wrong.userHandle ?? stored.userHandle },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
  };
}
