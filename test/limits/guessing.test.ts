import { gatewayLimitCases } from './gateway-cases.js';

gatewayLimitCases('memory', () => ({}));
