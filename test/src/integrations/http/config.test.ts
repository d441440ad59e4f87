import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/index.js';
import { SettingsReader } from '../../../../src/core/env.js';
import { parseCorrelationConfig } from '../../../../src/integrations/http/config.js';

const parse = (env: Record<string, string>, options = {}) => parseCorrelationConfig(new SettingsReader(env), options);

describe('parseCorrelationConfig', () => {
  it('defaults to x-correlation-id, x-request-id, the correlation.global_id baggage entry, 128 characters, no level header', () => {
    expect(parse({})).toEqual({
      globalIdHeader: 'x-correlation-id',
      externalIdHeader: 'x-request-id',
      baggageKey: 'correlation.global_id',
      levelHeader: undefined,
      maxIdLength: 128,
      failureHeader: 'x-logkit-execution-failed',
    });
  });

  it('reads the header names from the environment, lower-cased, and lets options override them', () => {
    const config = parse(
      { OTEL_LOGKIT_CORRELATION_HEADER: 'X-Trace-Ref', OTEL_LOGKIT_EXTERNAL_ID_HEADER: 'X-Client-Ref', OTEL_LOGKIT_LEVEL_HEADER: 'X-Log-Level' },
      { externalIdHeader: 'X-Amzn-Trace-Id' },
    );
    expect(config).toMatchObject({ globalIdHeader: 'x-trace-ref', externalIdHeader: 'x-amzn-trace-id', levelHeader: 'x-log-level' });
  });

  it('keeps the level header off when the application says false, whatever the environment says', () => {
    expect(parse({ OTEL_LOGKIT_LEVEL_HEADER: 'x-log-level' }, { levelHeader: false }).levelHeader).toBeUndefined();
  });

  it.each([
    ['OTEL_LOGKIT_CORRELATION_HEADER', 'x correlation'],
    ['OTEL_LOGKIT_LEVEL_HEADER', 'x-level:'],
    ['OTEL_LOGKIT_ID_MAX_LENGTH', '4'],
    ['OTEL_LOGKIT_ID_MAX_LENGTH', 'long'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => parse({ [name]: value })).toThrow(ConfigError);
    expect(() => parse({ [name]: value })).toThrow(new RegExp(`^${name}=`));
  });
});
