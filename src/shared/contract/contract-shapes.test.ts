import { describe, expectTypeOf, it } from 'vitest';
import type { Drift, Fits } from './contract-shapes';

// Type-level tests: `npx tsc --noEmit -p tsconfig.json` (and `npm run typecheck`) fails when one of them breaks.
describe('Drift (the compile-time check of CONTRACT.md shapes)', () => {
  type Shape = { name: string; routes: Array<{ dst: string; via: string | null }>; egress: { node: string } | null };

  it('is never when the served type carries every field, with extra fields beside them', () => {
    type Served = { name: string; extra: number; routes: Array<{ dst: string; via: string | null; table: string }>; egress: { node: string; more: 1 } | null };
    expectTypeOf<Drift<Served, Shape>>().toEqualTypeOf<never>();
  });

  it('names a field that was renamed, dropped or retyped, however deep', () => {
    type Renamed = { name: string; routes: Array<{ destination: string; via: string | null }>; egress: { node: string } | null };
    expectTypeOf<Drift<Renamed, Shape>>().toEqualTypeOf<'.routes[].dst'>();
    type Retyped = { name: number; routes: Array<{ dst: string; via: string | null }>; egress: { node: string } | null };
    expectTypeOf<Drift<Retyped, Shape>>().toEqualTypeOf<'.name'>();
    type Dropped = { name: string; routes: Array<{ dst: string; via: string | null }> };
    expectTypeOf<Drift<Dropped, Shape>>().toEqualTypeOf<'.egress'>();
  });

  it('allows a narrower value than the contract (a field that is never null) but not a wider one', () => {
    type Narrower = { name: 'a' | 'b'; routes: Array<{ dst: string; via: string }>; egress: { node: string } };
    expectTypeOf<Drift<Narrower, Shape>>().toEqualTypeOf<never>();
    type Wider = { name: string; routes: Array<{ dst: string | null; via: string | null }>; egress: { node: string } | null };
    expectTypeOf<Drift<Wider, Shape>>().toEqualTypeOf<'.routes[].dst'>();
  });

  it('makes a drift a compile error, where Fits names the place', () => {
    type Dropped = { name: string; routes: Array<{ dst: string; via: string | null }> };
    // @ts-expect-error: '.egress' does not satisfy never
    type Broken = Fits<Drift<Dropped, Shape>>;
    expectTypeOf<Broken>().toEqualTypeOf<'.egress'>();
  });
});
