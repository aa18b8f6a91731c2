export { dashboardController } from './controller';
export {
  DashboardError,
  FailoverRunner,
  type FailoverRun,
  type FailoverRunnerOptions,
} from './failover-runner';
export { DASHBOARD_HTML } from './page';
export { DashboardSource, type DashboardSourceOptions, type DashboardState, type RegionView } from './state';
