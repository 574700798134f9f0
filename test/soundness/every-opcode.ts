/**
 * A zkVM program that runs every opcode at least once (both outcomes of branch and eq, every wide op, a hash of each half, a
 * Merkle path of depth 3, a MAC, a lane MAC (macl), two word MACs (macw: two chains of eight MAC-chip rows, one after the other), lane, pack, tobf16, a tensor-core dot product, an f32 addition, an extension-field product, advice (an integer's and an extension inverse), public input and output), and its execution: the
 * honest traces the under-constraint test checks the VM chips on.
 */
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute, type Execution } from '../../runtime/vm/executor.ts';
import { fieldWord, wideWord } from '../../runtime/vm/word.ts';
import { merklePath, word } from '../fixtures/sample-programs.ts';
import { bf16PairWord, f32Word } from '../../runtime/vm/chips/mac.ts';

export function everyOpcode(): Execution {
  const asm = new Assembler(1, 1);
  const [pub, x, y, s, t, u, e, w1, w2, w3, h, leaf, idx, root, pair, acc, l, pk, tb, adv, one] = Array.from({ length: 21 }, () => asm.alloc());
  const { root: rootWord, siblings } = merklePath(3, 5, word(3));
  asm.input(pub, 0);
  asm.read(x);
  asm.read(y);
  asm.set(s, 7);
  asm.mov(t, s);
  asm.add(u, s, t);
  asm.sub(u, u, s);
  asm.mul(u, u, s);
  asm.addi(u, u, 3);
  asm.set(one, 1);
  asm.scale(u, one, x);
  asm.eq(e, s, t);
  const skip = asm.label();
  asm.branch(e, skip); // taken
  asm.set(u, 99);
  asm.bind(skip);
  asm.eq(e, s, x);
  asm.branch(e, skip); // not taken
  const after = asm.label();
  asm.jump(after);
  asm.set(u, 98);
  asm.bind(after);
  asm.assert(one, 'one is one');
  asm.assertEq(s, t, 's = t');
  asm.wide('add128', w1, x, y);
  asm.wide('sub128', w2, w1, y);
  asm.wide('lt128', w3, y, x);
  asm.wide('mul128', w3, x, y);
  asm.wide('add32', w3, s, t);
  asm.wide('mul32', w3, s, t);
  asm.hash(h, x, y);
  asm.hash(h, x, y, 1);
  asm.read(leaf);
  asm.read(idx);
  asm.merkle(root, leaf, idx, 3);
  asm.read(pair);
  asm.read(acc);
  asm.mac(acc, pair, acc);
  asm.macl(acc, pair, pair, 1);
  asm.lane(l, pair, 1);
  asm.pack(pk, s, t);
  asm.tobf16(tb, acc);
  // A tensor-core operation on one row of two words read twice (a and b the same row), with an infinity.
  const row = asm.allocArray(2);
  const dot = asm.alloc();
  asm.read(row);
  asm.read(row + 1);
  asm.mma(dot, row, row, 1);
  // Two chains of eight fmas over the same words, the second from the first's result.
  asm.macw(acc, row, row + 1);
  asm.macw(acc, row + 1, row);
  // An f32 addition of two tape words (1 + 2^-23 and a negative subnormal).
  const [fx, fy, fs] = [asm.alloc(), asm.alloc(), asm.alloc()];
  asm.read(fx);
  asm.read(fy);
  asm.fadd(fs, fx, fy);
  // A product in the quartic extension (of two integer words' first limbs as coefficients), and an inverse hint.
  asm.emul(u, x, y);
  asm.advice('extInverse', adv, u, u);
  asm.advice('div', adv, x, s);
  asm.output(root, 0);
  asm.halt();
  const exec = execute(asm.build(), {
    publicInputs: [wideWord(5n)],
    privateInputs: [wideWord(123456789n), wideWord(2n ** 70n + 3n), word(3), fieldWord(5), ...siblings, bf16PairWord(0x3fc0, 0xc040), f32Word(0x3f800001), [0x3f80, 0xbfc0, 0x4049, 0, 0x0001, 0x7f7f, 0x8080, 0x3f81], [0x4100, 0xc100, 0x3e00, 0x7f80, 0x3f80, 0x3f80, 0x3f80, 0x3f80], f32Word(0x3f800001), f32Word(0x80400000)],
  });
  if (exec.publicOutputs[0]!.some((z, i) => z !== rootWord[i])) throw new Error('every-opcode program: the Merkle root is not the path’s');
  return exec;
}
