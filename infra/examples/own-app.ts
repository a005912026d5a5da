import { App, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { SidecarInjector } from 'sidecar-injector';

const app = new App();
const stack = new Stack(app, 'Platform');
const alarms = new sns.Topic(stack, 'Alarms');
new SidecarInjector(stack, 'SidecarInjector', {
  sidecarImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-sidecar',
  sidecarVersion: '1.2.1',
  alarmTopic: alarms,
});
app.synth();
