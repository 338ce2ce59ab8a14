/** The provider's names: `aws` in configuration and logs, the service's name in messages. */
export const PROVIDER_NAME = "aws";
export const DISPLAY_NAME = "AWS Secrets Manager";
