# Until this version the modules were called from here directly: keep every resource.

moved {
  from = module.networking
  to   = module.platform.module.networking
}

moved {
  from = module.ecr
  to   = module.platform.module.ecr
}

moved {
  from = module.deploy_state
  to   = module.platform.module.deploy_state
}

moved {
  from = module.rds
  to   = module.platform.module.rds[0]
}

moved {
  from = module.alb
  to   = module.platform.module.alb
}

moved {
  from = module.iam
  to   = module.platform.module.iam
}

moved {
  from = module.ecs
  to   = module.platform.module.ecs
}

moved {
  from = module.observability
  to   = module.platform.module.observability
}

moved {
  from = module.cicd
  to   = module.platform.module.cicd
}
