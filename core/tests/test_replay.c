// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The anti-replay window: its edges named one by one, the ESN inference of
 * RFC 4303 appendix A2.2 around the 2^32 and 2^64 boundaries, and a random
 * walk compared against a plain "set of seen numbers" model.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "suite.h"
#include "tap.h"

#define LATE		MCSEC_STAT_A_IN_PKTS_LATE
#define REPLAYED	MCSEC_STAT_A_IN_PKTS_REPLAYED
#define P32		((u64)1 << 32)

static struct mc_replay rp;

static void fresh(u32 w)
{
	if (mc_replay_init(&rp, w))
		abort();
}

static void test_init(void)
{
	static const u32 bad[] = { 1, 32, 63, 65, 100, 127, 4095, 4097, 4160,
				   8192, UINT32_MAX };
	static const u32 good[] = { 0, 64, 128, 1024, 4032, 4096 };
	unsigned int i;
	bool ok = true;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok &= mc_replay_init(&rp, bad[i]) == -1;
	tap_ok(ok, "invalid windows rejected (not 0 nor a multiple of 64 in [64, 4096])");
	ok = true;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&rp, 0x5a, sizeof(rp));
		ok &= mc_replay_init(&rp, good[i]) == 0 && rp.window == good[i] &&
		      rp.top == 0 && rp.bits[MC_REPLAY_WORDS - 1] == 0;
	}
	tap_ok(ok, "valid windows accepted, state cleared");
}

/* The edges of one window size W, named as RFC 4303 3.4.3 draws them. */
static void test_edges(u32 w)
{
	u64 top = 10ull * w + 37, s;
	bool ok;

	fresh(w);
	tap_ok(mc_replay_check(&rp, 0) == LATE && mc_replay_update(&rp, 0) == LATE,
	       "W=%u: sequence number 0 is never accepted", w);
	tap_ok(mc_replay_update(&rp, 1) == 0 && mc_replay_update(&rp, 1) == REPLAYED,
	       "W=%u: first packet, then its duplicate", w);
	tap_ok(mc_replay_update(&rp, top) == 0 && rp.top == top,
	       "W=%u: jump to %llu moves the top", w, (unsigned long long)top);
	tap_ok(mc_replay_update(&rp, top - 3) == 0 && mc_replay_update(&rp, top - 1) == 0 &&
	       mc_replay_update(&rp, top - 2) == 0 && rp.top == top,
	       "W=%u: out of order inside the window, top unchanged", w);
	tap_ok(mc_replay_check(&rp, top - 2) == REPLAYED &&
	       mc_replay_update(&rp, top) == REPLAYED,
	       "W=%u: duplicates in the window (and of the top) rejected", w);
	tap_ok(mc_replay_update(&rp, top - w + 1) == 0 &&
	       mc_replay_update(&rp, top - w + 1) == REPLAYED,
	       "W=%u: exactly at the left edge accepted once", w);
	tap_ok(mc_replay_check(&rp, top - w) == LATE && mc_replay_update(&rp, top - w) == LATE &&
	       mc_replay_check(&rp, 2) == LATE,
	       "W=%u: one past the left edge is LATE", w);

	/* Jump by less than the window: what was seen stays seen. */
	top += w / 2;
	tap_ok(mc_replay_update(&rp, top) == 0 &&
	       mc_replay_check(&rp, top - w / 2) == REPLAYED &&
	       mc_replay_check(&rp, top - w / 2 - 1) == REPLAYED &&
	       mc_replay_check(&rp, top - w / 2 + 1) == 0 &&
	       mc_replay_check(&rp, top - w / 2 - 4) == 0,
	       "W=%u: jump by W/2 keeps the old bits, clears the skipped ones", w);

	/* Jump by exactly the window: the old top falls off the edge. */
	s = top;
	top += w;
	tap_ok(mc_replay_update(&rp, top) == 0 && mc_replay_check(&rp, s) == LATE &&
	       mc_replay_check(&rp, s + 1) == 0 && mc_replay_update(&rp, s + 1) == 0 &&
	       mc_replay_check(&rp, s + 1) == REPLAYED,
	       "W=%u: jump by exactly W: old top LATE, the new left edge fresh", w);

	/* Fill the whole window, then jump past it: no stale bit survives,
	 * including those of ring words the new numbers alias. */
	for (s = top - w + 1; s <= top; s++)
		mc_replay_update(&rp, s);
	for (u64 jump = w + 1; jump <= (u64)MC_REPLAY_WORDS * 64 + 65; jump += 64 * 13 + 1) {
		u64 old = top;

		top += jump;
		ok = mc_replay_update(&rp, top) == 0 && mc_replay_check(&rp, old) == LATE;
		for (s = top - w + 1; s < top; s++)
			ok &= mc_replay_check(&rp, s) == 0;
		for (s = top - w + 1; s <= top; s++)
			mc_replay_update(&rp, s);
		tap_ok(ok, "W=%u: jump by %llu > W over a full window: nothing stale",
		       w, (unsigned long long)jump);
	}
}

static void test_window_off(void)
{
	bool ok = true;
	u64 s;

	fresh(0);
	for (s = 1000; s >= 7; s -= 7)
		ok &= mc_replay_update(&rp, s) == 0 && mc_replay_update(&rp, s) == 0;
	tap_ok(ok && rp.top == 1000, "window 0: duplicates and old numbers accepted, top tracks the highest");
	tap_ok(mc_replay_update(&rp, 1ull << 40) == 0 && rp.top == 1ull << 40 &&
	       mc_replay_check(&rp, 1) == 0 && mc_replay_check(&rp, 0) == LATE,
	       "window 0: still tracks the top; 0 still refused");
}

static void test_check_pure(void)
{
	struct mc_replay before;
	bool ok = true;
	u64 s;

	fresh(128);
	for (s = 1; s < 400; s += 3)
		mc_replay_update(&rp, s);
	memcpy(&before, &rp, sizeof(rp));
	for (s = 0; s < 1000; s++)
		mc_replay_check(&rp, s);
	ok = !memcmp(&before, &rp, sizeof(rp));
	tap_ok(ok, "check never modifies the state");
	tap_ok(mc_replay_check(&rp, 500) == 0 && mc_replay_update(&rp, 500) == 0 &&
	       mc_replay_check(&rp, 500) == REPLAYED && mc_replay_update(&rp, 500) == REPLAYED,
	       "update after check records; both then say REPLAYED");
	/* Two packets checked in one burst, updated in turn: update re-checks. */
	tap_ok(mc_replay_check(&rp, 450) == 0 && mc_replay_check(&rp, 450) == 0 &&
	       mc_replay_update(&rp, 450) == 0 && mc_replay_update(&rp, 450) == REPLAYED,
	       "the second of two copies that passed check fails at update");
}

static u64 infer_at(u32 w, u64 top, u32 lo)
{
	fresh(w);
	rp.top = top;
	return mc_replay_infer(&rp, lo, true);
}

static void test_infer(void)
{
	u64 t;

	fresh(64);
	rp.top = 5 * P32 + 77;
	tap_ok(mc_replay_infer(&rp, 3, false) == 3 &&
	       mc_replay_infer(&rp, 0xffffffffu, false) == 0xffffffffu,
	       "without ESN the number is the low half");

	/* Case A (Tl >= W - 1): the window lies in one subspace. */
	t = P32 + 100;
	tap_ok(infer_at(64, t, 100) == t && infer_at(64, t, 37) == P32 + 37 &&
	       infer_at(64, t, 0xffffffffu) == P32 + 0xffffffffu,
	       "A2.2 case A: at and right of the bottom -> same high half");
	tap_ok(infer_at(64, t, 36) == 2 * P32 + 36 && infer_at(64, t, 0) == 2 * P32,
	       "A2.2 case A: left of the bottom -> next high half");
	/* Case B (Tl < W - 1): the window spans the 2^32 boundary. */
	t = P32 + 10;
	tap_ok(infer_at(64, t, 0xfffffff0u) == 0xfffffff0u &&
	       infer_at(64, t, 0xffffffcbu) == 0xffffffcbu,
	       "A2.2 case B: in the lower subspace part of the window -> high half - 1");
	tap_ok(infer_at(64, t, 5) == P32 + 5 && infer_at(64, t, 0xffffffcau) == P32 + 0xffffffcau,
	       "A2.2 case B: otherwise -> same high half");
	t = 3 * P32 + 4000;
	tap_ok(infer_at(4096, t, 0xffffffb0u) == 3 * P32 - 0x50 &&
	       infer_at(4096, t, 0xfffffa0u) == 3 * P32 + 0xfffffa0u,
	       "A2.2 case B with W=4096");

	/* Crossing 2^32 upwards, then a late packet from below the boundary. */
	fresh(64);
	tap_ok(mc_replay_update(&rp, 0xfffffff0u) == 0 &&
	       mc_replay_infer(&rp, 3, true) == P32 + 3 &&
	       mc_replay_update(&rp, P32 + 3) == 0 &&
	       mc_replay_infer(&rp, 0xfffffff5u, true) == 0xfffffff5u &&
	       mc_replay_update(&rp, 0xfffffff5u) == 0 &&
	       mc_replay_update(&rp, mc_replay_infer(&rp, 0xfffffff0u, true)) == REPLAYED &&
	       mc_replay_update(&rp, mc_replay_infer(&rp, 3, true)) == REPLAYED,
	       "ESN across 2^32: forward, back below the boundary, duplicates both sides");

	/* A young SA: the bottom is 1, not the appendix's 2^64 - 62. */
	tap_ok(infer_at(64, 0, 0xfffffff0u) == 0xfffffff0u && infer_at(64, 0, 0) == P32 &&
	       infer_at(64, 20, 7) == 7,
	       "young SA: numbers are taken in the first subspace (0 -> 2^32)");
	/* Anti-replay off: the candidate nearest the top. */
	t = P32 + 5;
	tap_ok(infer_at(0, t, 0x80000010u) == 0x80000010u &&
	       infer_at(0, t, 0x80000005u) == P32 + 0x80000005u &&
	       infer_at(0, t, 6) == P32 + 6,
	       "window 0: inference picks the number within 2^31 of the top");

	/* The top of the 64-bit space. */
	fresh(64);
	rp.top = UINT64_MAX - 9;
	tap_ok(mc_replay_infer(&rp, 0xfffffffbu, true) == UINT64_MAX - 4 &&
	       mc_replay_infer(&rp, 0xffffffffu, true) == UINT64_MAX,
	       "top near 2^64: numbers up to 2^64 - 1 inferred");
	tap_ok(mc_replay_check(&rp, mc_replay_infer(&rp, 3, true)) == LATE &&
	       mc_replay_update(&rp, mc_replay_infer(&rp, 0, true)) == LATE,
	       "top near 2^64: a number past 2^64 - 1 wraps and is LATE");
	tap_ok(mc_replay_update(&rp, UINT64_MAX) == 0 && rp.top == UINT64_MAX &&
	       mc_replay_update(&rp, UINT64_MAX) == REPLAYED &&
	       mc_replay_update(&rp, UINT64_MAX - 63) == 0 &&
	       mc_replay_update(&rp, UINT64_MAX - 64) == LATE,
	       "top at 2^64 - 1: the window still works to its left edge");
}

/* xorshift64: reproducible without libc's rand state. */
static u64 rnd_state = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

#define MODEL_N	(1u << 25)

/* The window against "the set of numbers accepted so far". */
static void test_model(u32 w)
{
	static u8 seen[MODEL_N / 8];
	u64 top = 0, s = 1, bad = 0;
	int i, want, got;

	memset(seen, 0, sizeof(seen));
	fresh(w);
	for (i = 0; i < 100000 && s < MODEL_N - 20000; i++) {
		u64 r = rnd(), k = r % 64;

		if (k == 0)		/* a long jump, up to past the ring */
			s = top + 1 + (r >> 8) % (3 * w + 70 * 64);
		else if (k < 16)	/* around the left edge */
			s = top + 2 > w + (r >> 8) % 4 ? top + 2 - w - (r >> 8) % 4 : 1;
		else			/* reordering near the top */
			s = top + (r >> 8) % 9 > w / 2 ?
			    top + (r >> 8) % 9 - (r >> 16) % (w / 2) : 1;
		if (s == 0 || s >= MODEL_N)
			continue;
		want = s > top ? 0 : top - s >= w ? LATE :
		       seen[s / 8] >> (s % 8) & 1 ? REPLAYED : 0;
		got = mc_replay_check(&rp, s);
		bad += got != want;
		got = mc_replay_update(&rp, s);
		bad += got != want || (!got && rp.top != (s > top ? s : top));
		if (!want) {
			seen[s / 8] |= (u8)(1 << (s % 8));
			top = s > top ? s : top;
		}
	}
	tap_ok(!bad, "W=%u: random walk of %d steps agrees with the set model (%llu mismatches)",
	       w, i, (unsigned long long)bad);
}

int main(void)
{
	test_init();
	test_edges(64);
	test_edges(1024);
	test_edges(4096);
	test_window_off();
	test_check_pure();
	test_infer();
	test_model(64);
	test_model(640);
	test_model(4096);
	return tap_done();
}
