// The engine's namespaces follow its folders; every file sees all of them (one engine, one vocabulary).
global using PimModule.Alerts;
global using PimModule.Assignments;
global using PimModule.Audit;
global using PimModule.Identity;
global using PimModule.Maintenance;
global using PimModule.MultiFactor;
global using PimModule.Notifications;
global using PimModule.Policy;
global using PimModule.Requests;
global using PimModule.Roles;
global using PimModule.Storage;
global using PimModule.Validation;
global using PimModule.Errors;
global using PimModule.Kernel;
global using PimModule.Checkpoint;
