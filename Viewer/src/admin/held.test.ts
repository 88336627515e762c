import { describe, expect, it } from 'vitest';
import { holdReasonText } from './pages/held';
import type { HeldStudy } from './api';

const study = (holdReason: string | null | undefined, generation?: number): HeldStudy => ({
  studyId: 7,
  callingAeTitle: 'INTRUDER',
  calledAeTitle: 'DICOMGATEWAY',
  remoteHost: '10.0.0.66',
  firstReceivedAt: '2026-12-07T10:00:00Z',
  lastReceivedAt: '2026-12-07T10:00:01Z',
  instanceCount: 1,
  totalBytes: 1000,
  holdReason,
  generation,
});

describe('why a study is held, as the inbox shows it', () => {
  it('names each reason the server sends', () => {
    expect(holdReasonText(study('no-rule'))).toBe('No rule addressed it');
    expect(holdReasonText(study('rule'))).toBe('A rule holds it');
    expect(holdReasonText(study('sender-changed', 1))).toBe('Follow-up from another sender (Follow-up 1)');
  });

  it('shows a reason it does not know as sent, and none for a study held before reasons were kept', () => {
    expect(holdReasonText(study('quarantine'))).toBe('quarantine');
    expect(holdReasonText(study(null))).toBe('—');
    expect(holdReasonText(study(undefined, 0))).toBe('—');
  });
});
