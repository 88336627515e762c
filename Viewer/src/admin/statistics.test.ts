import { describe, expect, it, vi } from 'vitest';

// chart.js needs a canvas; the month arithmetic does not.
vi.mock('chart.js', () => ({ Chart: { register: () => undefined }, BarController: {}, BarElement: {}, CategoryScale: {}, Legend: {}, LinearScale: {}, LineController: {}, LineElement: {}, PointElement: {}, Tooltip: {} }));

const { everyMonth } = await import('./pages/statistics');

describe('statistics months', () => {
  it('fill the range with zeros where the gateway has no shipments, across a new year', () => {
    const nov = { month: '2025-11', shipments: 3, instances: 30, bytes: 1000, opened: 2, expiredUnopened: 1 };
    const months = everyMonth('2025-10', '2026-02', [nov]);
    expect(months.map((m) => m.month)).toEqual(['2025-10', '2025-11', '2025-12', '2026-01', '2026-02']);
    expect(months[1]).toBe(nov);
    expect(months[4]).toEqual({ month: '2026-02', shipments: 0, instances: 0, bytes: 0, opened: 0, expiredUnopened: 0 });
  });
});
