/**
 * AWS's documented default quotas (infra/quotas.js): each Region gets its own SNS Publish quota and API Gateway
 * account throttle, and every quota names the AWS page it comes from.
 */
import { apiGatewayAccountThrottle, quotas, snsFifoPublishPerSecond, snsPublishPerSecond } from '../../infra/quotas';
import retry from '../../infra/retry';

const { drainerPace } = retry;

describe("AWS's default quotas", () => {
  it.each([
    ['us-east-1', 30_000],
    ['us-west-2', 9_000],
    ['eu-west-1', 9_000],
    ['eu-central-1', 1_500],
    ['ap-northeast-1', 1_500],
    ['sa-east-1', 300],
    ['eu-north-1', 300],
  ])('give SNS Publish in %s as %i messages a second', (region, perSecond) => {
    expect(snsPublishPerSecond(region)).toBe(perSecond);
  });

  it('give a FIFO topic 3,000 a second per topic with Topic scope, and the Region quota with MessageGroup scope', () => {
    expect(snsFifoPublishPerSecond('us-east-1', 'Topic')).toBe(3_000);
    expect(snsFifoPublishPerSecond('us-east-1', 'MessageGroup')).toBe(30_000);
    expect(snsFifoPublishPerSecond('sa-east-1', 'Topic')).toBe(300);
  });

  it('give API Gateway 10,000 a second with a 5,000 burst, and 2,500 with 1,250 in the Regions AWS lists as lower', () => {
    expect(apiGatewayAccountThrottle('us-east-1')).toEqual({ rate: 10_000, burst: 5_000 });
    expect(apiGatewayAccountThrottle('eu-south-1')).toEqual({ rate: 2_500, burst: 1_250 });
  });

  it('cite an AWS documentation page for every quota', () => {
    const sources = JSON.stringify(quotas).match(/"(?:source|burstSource)":"[^"]*"/g) ?? [];
    expect(sources.length).toBeGreaterThanOrEqual(Object.keys(quotas).length);
    for (const source of sources) expect(source).toMatch(/:"https:\/\/docs\.aws\.amazon\.com\//);
  });
});

describe("the publish-retry drainer's pace (infra/retry.js)", () => {
  const framework = (region: string, params: Record<string, string>) => ({
    resolveVariable: (variable: string): Promise<unknown> =>
      Promise.resolve(variable === 'self:provider.region' ? region : params[variable.replace(/^param:/, '')]),
  });

  it.each([
    ['us-east-1', '10', '2', 3_000],
    ['eu-central-1', '10', '2', 150],
    ['sa-east-1', '10', '2', 30],
    ['sa-east-1', '1', '2', 3],
  ])('is retryPublishSharePercent of the Region quota: %s at %s %% with %s instances publishes %d a second', async (region, share, concurrency, perSecond) => {
    await expect(drainerPace(framework(region, { retryPublishSharePercent: share, retryDrainerMaximumConcurrency: concurrency }))).resolves.toEqual({
      publishPerSecond: perSecond,
      maximumConcurrency: Number(concurrency),
    });
  });

  it('is refused when an instance would get less than a message a second', async () => {
    await expect(drainerPace(framework('sa-east-1', { retryPublishSharePercent: '1', retryDrainerMaximumConcurrency: '4' }))).rejects.toThrow(
      /3\/s, less than a message a second for each of retryDrainerMaximumConcurrency=4 instances/,
    );
  });
});
