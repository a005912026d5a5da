// A Lambda entry that only reads the release through the SDK, as the webhook does (its client
// settings, one GetParameters started during init), and answers: the cold start the chosen SDK
// costs by itself, measured beside the webhook's bundle (npm run bench, part 3).
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { createSsmClient } from '../../../functions/shell/ssm-client.ts';

const client = createSsmClient(process.env.AWS_REGION ?? 'eu-west-1');
const read = client.send(new GetParametersCommand({ Names: [process.env.SSM_VERSION_PARAMETER ?? '', process.env.SSM_IMAGE_PARAMETER ?? ''] }));
read.catch(() => undefined);

export async function handler(): Promise<{ statusCode: number; body: string }> {
  const answer = await read;
  return { statusCode: 200, body: JSON.stringify({ parameters: answer.Parameters?.length ?? 0 }) };
}
