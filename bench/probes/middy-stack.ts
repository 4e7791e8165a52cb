/** Module-load probe: Middy core, its three HTTP middlewares and the Powertools parser middleware (peer (a) minus Logger, SDK, schemas). */
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as v from 'valibot';

export const handler = middy<APIGatewayProxyEventV2>()
  .use(httpErrorHandler({ logger: false }))
  .use(httpHeaderNormalizer())
  .use(httpJsonBodyParser({ disableContentTypeError: true }))
  .use(parser({ schema: v.looseObject({}) }))
  .handler(async () => Promise.resolve({ statusCode: 200 }));
