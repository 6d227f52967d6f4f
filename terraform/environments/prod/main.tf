# Production: tasks in private subnets behind one NAT gateway per AZ, a Multi-AZ database with
# deletion protection, IAM auth and 14 days of backups, ALB access logs, an alarm topic.
# Everything is wired in modules/platform; this file only gives values. Edit the ones marked for
# your account.

locals {
  region = "us-east-1"
  tags = {
    Project     = "bluegreen"
    Environment = "prod"
    ManagedBy   = "terraform"
  }
}

module "platform" {
  source = "../../modules/platform"

  name = "bluegreen-prod"

  # Your account (see terraform/README.md): the repository, the bootstrap's outputs, the domain.
  github = {
    repository             = "example-org/bluegreen"
    deploy_environments    = ["prod", "prod-promote"]
    terraform_environments = ["prod"]
  }
  state = {
    bucket_arn  = "arn:aws:s3:::bluegreen-terraform-state-000000000000"
    kms_key_arn = "arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000"
    key         = "bluegreen/prod/terraform.tfstate" # the backend's key in versions.tf
  }
  domain_name     = "bluegreen.example.com"
  route53_zone_id = "Z0000000000000000000000"
  alarm_email     = "oncall@example.com"

  # The reference app (app/): the Flask items API on gunicorn. Its task definition is
  # app/taskdef.json.tftpl, the file every deploy renders too (docs/task-definition-template.md),
  # filled in with this environment's taskdef.values.json and the stack's outputs.
  service = {
    name                     = "items-api"
    port                     = 8000
    health_check             = { path = "/ready" }
    task_definition_template = "${path.module}/../../../app/taskdef.json.tftpl"
    task_definition_values   = jsondecode(file("${path.module}/taskdef.values.json"))
    keep_last_images         = 50
  }

  database = {
    db_name               = "items"
    username              = "items_admin"
    instance_class        = "db.t4g.small"
    multi_az              = true
    backup_retention_days = 14
  }

  # No test listener in prod (smoke-test the idle colour in staging); to add one:
  # test_listener = { port = 9000, cidrs = ["<your ranges>"] }

  network = { task_egress = "nat_gateway", single_nat_gateway = false }
  scaling = { max_capacity = 10 }

  tags = local.tags
}
