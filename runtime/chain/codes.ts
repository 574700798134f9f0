/**
 * Verification codes: every reason the chain verifier rejects a proof file or a chain has a stable code, as every
 * source diagnostic has a ZP code (language/diagnostics.ts), and so has every reason a run cannot be proven. ZV1xx:
 * one proof file; ZV2xx: the chain its files form; ZV3xx: a run the prover cannot prove. docs/verification-codes.md explains each; test/chain/codes.test.ts checks that the registry, the
 * verifier's code and the page agree.
 */
export const VERIFY_CODES = {
  ZV101: 'not a proof file: its shape (format, version, kind, step, fields) is wrong',
  ZV102: 'made for another policy (policy digest)',
  ZV103: 'names another policy',
  ZV104: 'a step number its kind cannot have',
  ZV105: 'made for another program of this policy',
  ZV106: 'public inputs or outputs malformed: count, spelling, or words that are no value of their type',
  ZV107: 'the STARK proof is not canonical base64',
  ZV108: 'the STARK proof cannot be decoded',
  ZV109: 'the STARK proof does not verify',
  ZV110: 'an internal error caught while verifying the file',
  ZV111: 'the file cannot be read or parsed',
  ZV201: 'no valid genesis proof',
  ZV202: 'more than one genesis proof',
  ZV203: 'a step appears twice',
  ZV204: 'a step is missing',
  ZV205: 'a proof is about another spec than the genesis',
  ZV206: 'a step does not start from the state the previous one ended in',
  ZV207: 'more than one attestation',
  ZV208: 'the attestation does not close the chain (state, or the step it says it follows)',
  ZV209: 'the earlier chain given for a field does not verify, or is not the chain the spec names',
  ZV210: 'a field does not hold what the earlier chain revealed',
  ZV211: 'the first segment of a proof in segments does not start at the program\'s entry and initial memory',
  ZV212: 'a segment does not start in the state the segment before it ended in (pc or memory commitment)',
  ZV213: 'the last segment of a proof in segments does not end at a halt',
  ZV214: 'the segments do not read each public input and write each public output exactly once',
  ZV301: 'the run breaks a clause: an attest, an invariant or a compute check fails',
  ZV302: 'an operation traps: an overflow or a negative difference the policy does not guard',
  ZV303: 'the program reads more than the run gives it',
  ZV304: 'the program runs past the machine\'s limit',
  ZV305: 'a compute check\'s tensors are missing or not of the shape it was compiled for',
  ZV306: 'the program is malformed',
  ZV307: 'a proof would need more memory than the prover may use',
  ZV308: 'the program runs more segments than the prover may prove',
  ZV309: 'the segment size asked for is not a power of two of cycles in the range the prover proves',
  ZV310: 'the run was recorded in an older run format, whose tensor roots this zpol does not open',
  ZV311: 'the policy\'s step proofs cannot be aggregated: its step program\'s public words are not the commitments a run proof links',
} as const;

export type VerifyCode = keyof typeof VERIFY_CODES;

/** A reason the verifier rejects something: its code and the message that names the file and the field. */
export interface VerifyProblem {
  readonly code: VerifyCode;
  readonly message: string;
}
